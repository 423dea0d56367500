using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SocialCare.Benchmarks;

/// <summary>The real hub, started from its built assembly on a free port, as a separate process on this machine.</summary>
internal sealed class HubProcess : IAsyncDisposable
{
    public const string AdminKey = "sch_admin_bench_0123456789abcdefghijklmnop";
    private readonly Process _process;

    private HubProcess(Process process, Uri baseAddress) => (_process, BaseAddress) = (process, baseAddress);

    public Uri BaseAddress { get; }

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

    public static async Task<HubProcess> StartAsync(string connectionString, string rabbitHost, int rabbitPort)
    {
        // The project reference builds the hub in this benchmark's configuration (bin/<Configuration>/<tfm>/).
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var repository = output;
        while (repository is not null && !File.Exists(Path.Combine(repository.FullName, "SocialCareApi.sln")))
        {
            repository = repository.Parent;
        }

        var hubDirectory = Path.Combine(repository?.FullName ?? throw new InvalidOperationException("SocialCareApi.sln not found"),
            "src", "SocialCare.Api", "bin", output.Parent!.Name, output.Name);
        var assembly = Path.Combine(hubDirectory, "SocialCare.Api.dll");
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet", [assembly])
        {
            WorkingDirectory = hubDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["ConnectionStrings__Postgres"] = connectionString,
                ["RabbitMq__Host"] = rabbitHost,
                ["RabbitMq__Port"] = rabbitPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["RabbitMq__VirtualHost"] = Environment.GetEnvironmentVariable("RabbitMq__VirtualHost") ?? "/",
                ["Admin__ApiKey"] = AdminKey,
                // A fresh database each run: a fresh key for its secrets, unless dev.sh passed its development key.
                ["Secrets__Keys__bench"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
                ["Secrets__ActiveKey"] = Environment.GetEnvironmentVariable("Secrets__ActiveKey") ?? "bench",
                // Its own webhook fan-out queue, gone with it: a durable shared one would keep every run's events.
                ["Webhooks__FanOutQueue"] = $"socialcare-webhooks-bench-{Guid.NewGuid():N}",
                ["Webhooks__FanOutQueueTemporary"] = "true",
                ["Connectors__ReplyQueue"] = $"socialcare-replies-bench-{Guid.NewGuid():N}",
                ["Connectors__ReplyQueueTemporary"] = "true",
                ["Webhooks__AllowPrivateTargets"] = "true",
                ["Connectors__AllowPrivateTargets"] = "true",
                ["RateLimiting__PermitsPerSecond"] = "1000000",
                ["RateLimiting__Burst"] = "1000000",
                ["Logging__LogLevel__Default"] = "Warning",
                ["Logging__LogLevel__Microsoft.AspNetCore"] = "Error",
            },
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the hub");
        process.OutputDataReceived += (_, e) => { if (e.Data is { } line && line.Contains("fail", StringComparison.Ordinal)) { Console.Error.WriteLine("hub: " + line); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) { Console.Error.WriteLine("hub: " + line); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var hub = new HubProcess(process, new Uri($"http://127.0.0.1:{port}"));
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
