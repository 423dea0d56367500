using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SocialCare.Testing;

/// <summary>
/// The real hub, started from its built assembly on a free port, as a separate process on this machine: for what an
/// in-process hub cannot show (a kill -9, the benchmark's CPU figures). Linked into the tests and the benchmark.
/// </summary>
internal sealed class HubProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output = new();

    private HubProcess(Process process, Uri baseAddress) => (_process, BaseAddress) = (process, baseAddress);

    /// <summary>Every line the hub wrote to its standard output (its log) so far.</summary>
    public IReadOnlyCollection<string> Output => _output;

    public Uri BaseAddress { get; }

    /// <summary>The hub's process id.</summary>
    public int Id => _process.Id;

    /// <summary>
    /// Waits (up to 60 s) until the hub is idle — under 5% of a core over half a second — so that no phase is measured
    /// while it still works off the one before: a closed-loop phase leaves thousands of events in its fan-out queue.
    /// </summary>
    public async Task WaitIdleAsync()
    {
        // The hub's CPU time at each of the last five ticks of 100 ms: idle once it grew by under 25 ms across them.
        var samples = new Queue<TimeSpan>();
        var deadline = Environment.TickCount64 + 60_000;
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        while (Environment.TickCount64 < deadline && await tick.WaitForNextTickAsync())
        {
            _process.Refresh();
            samples.Enqueue(_process.TotalProcessorTime);
            if (samples.Count > 5 && samples.Last() - samples.Dequeue() < TimeSpan.FromMilliseconds(25))
            {
                return;
            }
        }
    }

    /// <summary>Starts the hub in Production with <paramref name="settings"/> (environment variables), on <paramref
    /// name="port"/> or a free one, and waits until
    /// it is ready.</summary>
    public static async Task<HubProcess> StartAsync(IReadOnlyDictionary<string, string> settings, int? port = null)
    {
        // The project reference builds the hub in this benchmark's configuration (bin/<Configuration>/<tfm>/).
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var repository = output;
        while (repository is not null && !File.Exists(Path.Combine(repository.FullName, "SocialCareApi.sln")))
        {
            repository = repository.Parent;
        }

        var hubDirectory = Path.Combine(
            repository?.FullName ?? throw new InvalidOperationException("SocialCareApi.sln not found"),
            "src",
            "SocialCare.Api",
            "bin",
            output.Parent!.Name,
            output.Name
        );
        var assembly = Path.Combine(hubDirectory, "SocialCare.Api.dll");
        port ??= FreePort();
        var start = new ProcessStartInfo("dotnet", [assembly])
        {
            WorkingDirectory = hubDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["Logging__LogLevel__Default"] = "Warning",
                ["Logging__LogLevel__Microsoft.AspNetCore"] = "Error",
            },
        };
        foreach (var (name, value) in settings)
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the hub");
        var hub = new HubProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not { } line)
            {
                return;
            }

            hub._output.Enqueue(line);
            if (
                line.Contains("fail", StringComparison.Ordinal)
                || line.Contains("\"LogLevel\":\"Error\"", StringComparison.Ordinal)
                || line.Contains("\"LogLevel\":\"Critical\"", StringComparison.Ordinal)
            )
            {
                Console.Error.WriteLine("hub: " + line);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                Console.Error.WriteLine("hub: " + line);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var client = new HttpClient { BaseAddress = hub.BaseAddress };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        while (await poll.WaitForNextTickAsync())
        {
            try
            {
                if ((await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK)
                {
                    return hub;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("the hub did not become ready");
            }
        }

        return hub;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>SIGKILL: the hub gets no chance to finish anything.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
