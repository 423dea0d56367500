using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SocialCare.Api.Tests.Support;

/// <summary>A real HTTP endpoint on Kestrel (loopback, a free port) that records every webhook it receives.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    public sealed record Received(
        string Path,
        IReadOnlyDictionary<string, string> Headers,
        byte[] Body,
        int AnsweredWith
    );

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Received> _received = new();

    /// <summary>Decides the status for each request (the path and how many times this webhook-id was seen
    /// before).</summary>
    public Func<string, int, int> Respond { get; set; } = (_, _) => 200;

    /// <summary>
    /// How a path answers when it does not answer plainly ("ok" or "nope"): a test's hostile endpoint writes its own
    /// response (after the status is set) — odd bytes, a body that breaks off.
    /// </summary>
    public Func<string, Func<HttpContext, Task>?> Answers { get; set; } = _ => null;

    /// <summary>Which paths hang: they never answer, and hold each request until the caller gives up or the receiver
    /// stops.</summary>
    public Func<string, bool> Hangs { get; set; } = _ => false;

    private TaskCompletionSource _gate = Opened();

    private readonly CancellationTokenSource _stopping = new();
    private int _started;

    /// <summary>Requests that have arrived, answered or not.</summary>
    public int Started => Volatile.Read(ref _started);

    /// <summary>From now on requests are held, unanswered, until <see cref="OpenGate"/>.</summary>
    public void CloseGate() =>
        Volatile.Write(ref _gate, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    /// <summary>Lets every held request, and every later one, be answered.</summary>
    public void OpenGate() => Volatile.Read(ref _gate).TrySetResult();

    private static TaskCompletionSource Opened()
    {
        var opened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        opened.SetResult();
        return opened;
    }

    private WebhookReceiver(WebApplication app) => _app = app;

    public string Url(string path = "/hook") =>
        _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + path;

    public IReadOnlyList<Received> All => _received.ToList();

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        var seen = new ConcurrentDictionary<string, int>();
        app.Run(async context =>
        {
            Interlocked.Increment(ref receiver._started);
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            var id = context.Request.Headers["webhook-id"].ToString();
            var previous = seen.AddOrUpdate(id, 0, (_, n) => n + 1);
            if (receiver.Hangs(context.Request.Path))
            {
                await HangAsync(context.RequestAborted, receiver._stopping.Token);
                return;
            }

            await Volatile.Read(ref receiver._gate).Task.WaitAsync(context.RequestAborted);
            var status = receiver.Respond(context.Request.Path, previous);
            receiver._received.Enqueue(
                new Received(
                    context.Request.Path,
                    context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()),
                    body.ToArray(),
                    status
                )
            );
            context.Response.StatusCode = status;
            if (receiver.Answers(context.Request.Path) is { } answer)
            {
                await answer(context);
                return;
            }

            await context.Response.WriteAsync(status == 200 ? "ok" : "nope");
        });
        await app.StartAsync();
        return receiver;
    }

    /// <summary>Waits until either token is cancelled: the caller hung up, or the receiver is stopping.</summary>
    private static async Task HangAsync(CancellationToken caller, CancellationToken stopping)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(caller, stopping);
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (either.Token.Register(() => released.TrySetResult()))
        {
            await released.Task;
        }
    }

    public Task<IReadOnlyList<Received>> WaitForAsync(
        Func<Received, bool> which,
        int count,
        TimeSpan? timeout = null
    ) =>
        Eventually.Until(
            () => Task.FromResult<IReadOnlyList<Received>>(All.Where(which).ToList()),
            r => r.Count >= count,
            timeout ?? TimeSpan.FromSeconds(30),
            $"{count} webhook requests"
        );

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _stopping.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
