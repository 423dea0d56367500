using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace SocialCare.Api.Tests.Support;

/// <summary>
/// A TCP forwarder between one test hub and a real server (PostgreSQL, RabbitMQ), on a free loopback port: a test takes
/// the server away from that hub alone (<see cref="Cut"/>: every connection is reset and new ones are reset as they
/// arrive, as a server that died or restarts looks) and brings it back (<see cref="Restore"/>), while the other tests
/// keep using the server. It can also hold back what the server sends while keeping every connection open
/// (<see cref="Stall"/>, <see cref="Resume"/>), as a server that is there but slow to answer looks.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _host;
    private readonly int _port;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Socket, byte> _open = new();
    private readonly Task _accepting;
    private volatile bool _down;
    private volatile TaskCompletionSource _flowing = Flowing();

    private TcpProxy(string host, int port)
    {
        (_host, _port) = (host, port);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public static TcpProxy To(string host, int port) => new(host, port);

    /// <summary>The server goes away: open connections are reset, and new ones are reset as they arrive.</summary>
    public void Cut()
    {
        _down = true;
        foreach (var socket in _open.Keys)
        {
            Reset(socket);
        }
    }

    /// <summary>The server is back.</summary>
    public void Restore() => _down = false;

    /// <summary>The server stays connected but what it sends is held back until <see cref="Resume"/>.</summary>
    public void Stall() => _flowing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>What the server sent meanwhile arrives, in order, and flows again.</summary>
    public void Resume() => _flowing.TrySetResult();

    private static TaskCompletionSource Flowing()
    {
        var flowing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        flowing.SetResult();
        return flowing;
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = ForwardAsync(client);
        }
    }

    private async Task ForwardAsync(Socket client)
    {
        if (_down)
        {
            Reset(client);
            return;
        }

        var server = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await server.ConnectAsync(_host, _port, _stopping.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            Reset(client);
            server.Dispose();
            return;
        }

        _open.TryAdd(client, 0);
        _open.TryAdd(server, 0);
        await Task.WhenAny(PumpAsync(client, server, fromServer: false), PumpAsync(server, client, fromServer: true));
        Reset(client);
        Reset(server);
    }

    private async Task PumpAsync(Socket from, Socket to, bool fromServer)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stopping.Token);
                if (read == 0 || _down)
                {
                    return;
                }

                if (fromServer)
                {
                    await _flowing.Task.WaitAsync(_stopping.Token);
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stopping.Token);
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Reset by the other side, or by Cut.
        }
    }

    /// <summary>Closes with a TCP reset, as a dead peer's kernel answers.</summary>
    private void Reset(Socket socket)
    {
        _open.TryRemove(socket, out _);
        try
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (ObjectDisposedException)
        {
            // Already closed.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        await _accepting;
        foreach (var socket in _open.Keys)
        {
            Reset(socket);
        }

        _stopping.Dispose();
    }
}
