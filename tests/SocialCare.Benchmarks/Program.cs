using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Npgsql;
using SocialCare.Benchmarks;
using SocialCare.Testing;

// SocialCare Hub benchmark: ./infra/dev.sh bench [--seconds N] [--rate R] [--authors A] [--webhook-rate W]
// [--whatsapp-rate P] [--timers T] [--timer-rate R] [--report-conversations C]
// [--phases webhooks,whatsapp,ingestion,timers,reports] (all unless told)
// Runs the real hub (its own process, Kestrel, Release build) against the real PostgreSQL and RabbitMQ
// on this machine, in a database of its own, and prints what it measured.
var seconds = Arg("--seconds", 10);
var rate = Arg("--rate", 1000);
var webhookRate = Arg("--webhook-rate", 500);
var whatsAppRate = Arg("--whatsapp-rate", 500);
var timers = Arg("--timers", 10_000);
var timerRate = Arg("--timer-rate", 500);
var reportConversations = Arg("--report-conversations", 1_000_000);

// Distinct customers writing: fewer means more follow-up messages in open conversations (one event each),
// more means more first contacts (a new customer and conversation: three events each).
Bench.Authors = Arg("--authors", 1000);
var phasesIndex = Array.IndexOf(args, "--phases");
var phases = (
    phasesIndex >= 0 && phasesIndex + 1 < args.Length
        ? args[phasesIndex + 1]
        : "webhooks,whatsapp,ingestion,timers,reports"
).Split(',');
var baseConnection =
    Environment.GetEnvironmentVariable("ConnectionStrings__Postgres")
    ?? "Host=127.0.0.1;Port=55432;Username=postgres;Database=socialcare";
var rabbitHost = Environment.GetEnvironmentVariable("RabbitMq__Host") ?? "127.0.0.1";
var rabbitPort = int.Parse(
    Environment.GetEnvironmentVariable("RabbitMq__Port") ?? "55672",
    CultureInfo.InvariantCulture
);

var database = $"sc_bench_{Guid.NewGuid():N}";
await Sql(baseConnection, $"create database \"{database}\"");
var connectionString = new NpgsqlConnectionStringBuilder(baseConnection)
{
    Database = database,
    MaxPoolSize = 200,
}.ConnectionString;
try
{
    Console.WriteLine(
        $"SocialCare Hub benchmark — {Environment.ProcessorCount} cores, {seconds} s per phase, open-loop target "
            + $"{rate} engagements/s, {Bench.Authors} customers"
    );
    await using var hub = await HubProcess.StartAsync(
        new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = connectionString,
            ["RabbitMq__Host"] = rabbitHost,
            ["RabbitMq__Port"] = rabbitPort.ToString(CultureInfo.InvariantCulture),
            ["RabbitMq__VirtualHost"] = Environment.GetEnvironmentVariable("RabbitMq__VirtualHost") ?? "/",
            ["Admin__ApiKey"] = Bench.AdminKey,
            // A fresh database each run: a fresh key for its secrets, unless dev.sh passed its development key.
            ["Secrets__Keys__bench"] = Convert.ToBase64String(
                System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)
            ),
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
            // Reports__Enabled=false measures ingestion without the reports projection, for its write-time cost.
            ["Reports__Enabled"] = Environment.GetEnvironmentVariable("Reports__Enabled") ?? "true",
        }
    );
    using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 512 })
    {
        BaseAddress = hub.BaseAddress,
        Timeout = TimeSpan.FromSeconds(30),
    };
    var (workspaceId, channelId) = await Bench.ArrangeAsync(http);
    await using var bus = await BusWatch.StartAsync(rabbitHost, rabbitPort, workspaceId, hub);
    var cpu = new CpuMeter(hub.Id);
    using var memory = new MemoryMeter(hub.BaseAddress, Bench.AdminKey);

    await Bench.ClosedLoopAsync(http, channelId, 8, 64, "warm-up");
    await bus.DrainAsync();
    // A fresh database's first statistics (and the warm-up's dead rows): gathered now rather than by autovacuum in the
    // middle of the first measured phase, where its first pass took about a second and changed every cached plan.
    await Sql(connectionString, "vacuum (analyze)");
    // Webhooks first, while the relay has no backlog.
    if (phases.Contains("webhooks"))
    {
        await WebhooksAsync(http, bus, channelId);
    }

    if (phases.Contains("whatsapp"))
    {
        await WhatsAppAsync(http, bus);
    }

    if (phases.Contains("ingestion"))
    {
        await IngestionAsync(http, bus, cpu, memory, channelId, connectionString);
    }

    if (phases.Contains("timers"))
    {
        await bus.DrainAsync();
        await TimerPhase.RunAsync(http, connectionString, timers, timerRate);
    }

    if (phases.Contains("reports"))
    {
        await ReportPhase.RunAsync(http, connectionString, reportConversations);
    }
}
finally
{
    NpgsqlConnection.ClearAllPools();
    await Sql(baseConnection, $"drop database if exists \"{database}\" with (force)");
}

// Five subscribers at the webhook rate, then again with one of them hanging past the hub's attempt timeout.
async Task WebhooksAsync(HttpClient http, BusWatch bus, Guid channelId)
{
    await using var hooks = await WebhookPhase.StartAsync(5);
    var subscriptions = await hooks.SubscribeAsync(http);
    // Warm-up: the delivery path's code is compiled and its pools filled before anything is measured.
    await hooks.RunAsync(http, channelId, seconds, webhookRate);
    foreach (var hanging in new[] { -1, 4 })
    {
        await bus.DrainAsync();
        hooks.Hanging = hanging;
        var (latencies, perSecond, missing) = await hooks.RunAsync(http, channelId, seconds, webhookRate);
        Console.WriteLine(
            $"webhooks at {webhookRate} engagements/s, 5 subscribers"
                + (hanging < 0 ? "" : ", one hanging past the timeout")
                + $": accepted → received {Stats.P50P99(latencies)} over {latencies.Count} deliveries to the "
                + $"{(hanging < 0 ? 5 : 4)} healthy ones ({Stats.Rate(perSecond)}, {missing} missing after 60 s)"
        );
    }

    foreach (var id in subscriptions)
    {
        (await http.DeleteAsync($"/v1/subscriptions/{id}")).EnsureSuccessStatusCode();
    }
}

// Platform webhooks: signed WhatsApp Cloud API payloads, POST → 200 (which Meta waits for before it counts a delivery).
async Task WhatsAppAsync(HttpClient http, BusWatch bus)
{
    await bus.DrainAsync();
    var whatsApp = await WhatsAppPhase.RunAsync(http, seconds, whatsAppRate);
    Console.WriteLine(
        $"WhatsApp webhooks paced at {whatsAppRate}/s (signed, one message each): achieved "
            + $"{Stats.Rate(whatsApp.Rate)}, {whatsApp.Accepted} answered 200, "
            + $"{whatsApp.Failed} failed; POST → 200 p50 {Stats.Ms(whatsApp.P50)}, p95 {Stats.Ms(whatsApp.P95)}, "
            + $"p99 {Stats.Ms(whatsApp.P99)}"
    );
}

// Paced at the target first (on a hub that has not just been overloaded), then the maximum, then paced at 60% of that
// maximum: latency at the target, the most the machine takes, and latency at a load it sustains.
async Task IngestionAsync(
    HttpClient http,
    BusWatch bus,
    CpuMeter cpu,
    MemoryMeter memory,
    Guid channelId,
    string connectionString
)
{
    await PacedAsync(http, bus, cpu, memory, channelId, connectionString, rate);
    await bus.DrainAsync();
    var before = cpu.Read();
    var allocated = await memory.ReadAsync();
    var max = await Bench.ClosedLoopAsync(http, channelId, seconds, 64, "max");
    // Until the relay and the fan-out have worked off what the phase left: their CPU is part of each engagement's.
    await bus.DrainAsync();
    Console.WriteLine(
        $"max throughput (64 concurrent clients): {Stats.Rate(max.Rate)}, "
            + $"accept p50 {Stats.Ms(max.P50)}, p99 {Stats.Ms(max.P99)}"
    );
    Console.WriteLine($"  {cpu.PerEngagement(before, max.Accepted)}");
    Console.WriteLine($"  {await memory.PerEngagementAsync(allocated, max.Accepted)}");
    var sustained = Math.Max(10, (int)(max.Rate * 0.6));
    if (sustained != rate)
    {
        await PacedAsync(http, bus, cpu, memory, channelId, connectionString, sustained);
    }

    var baseline = await Baseline.RunAsync(connectionString, seconds);
    Console.WriteLine(
        "raw Npgsql baseline (same engagement, stream and event rows, batches of 100, 2 writers): "
            + Stats.Rate(baseline)
    );
    Console.WriteLine(
        $"hub max throughput / raw baseline: {(max.Rate / baseline).ToString("0.00", CultureInfo.InvariantCulture)}"
    );
}

async Task PacedAsync(
    HttpClient http,
    BusWatch bus,
    CpuMeter cpu,
    MemoryMeter memory,
    Guid channelId,
    string connectionString,
    int pacedRate
)
{
    await bus.DrainAsync();
    bus.Reset();
    var before = cpu.Read();
    var allocated = await memory.ReadAsync();
    var paced = await Bench.OpenLoopAsync(http, channelId, seconds, pacedRate);
    var relay = await bus.LatenciesAsync(paced.Accepted);
    await bus.DrainAsync();
    var used = cpu.PerEngagement(before, paced.Accepted);
    Console.WriteLine(
        $"paced at {pacedRate}/s: achieved {Stats.Rate(paced.Rate)}, {paced.Accepted} accepted, {paced.Failed} failed; "
            + $"accept latency p50 {Stats.Ms(paced.P50)}, p95 {Stats.Ms(paced.P95)}, p99 {Stats.Ms(paced.P99)}"
    );
    Console.WriteLine($"  {used}");
    Console.WriteLine($"  {await memory.PerEngagementAsync(allocated, paced.Accepted)}");
    var fromCommit = await bus.FromCommitAsync(connectionString);
    Console.WriteLine(
        $"  commit → RabbitMQ (PostgreSQL's commit timestamp → delivered to a consumer): "
            + (
                fromCommit.ToArrival.Count == 0
                    ? "n/a (the server does not track commit timestamps)"
                    : $"{fromCommit.ToArrival.Count} events, {Stats.P50P99(fromCommit.ToArrival)}; "
                        + $"of which commit → published by the relay {Stats.P50P99(fromCommit.ToPublish)}, "
                        + $"published → delivered {Stats.P50P99(fromCommit.PublishToArrival)}"
            )
    );
    Console.WriteLine(
        "  recordedAt → RabbitMQ (stamped inside the transaction, before its last round trip and commit): "
            + $"{relay.Count} events, {Stats.P50P99(relay)}"
    );
}

static async Task Sql(string connectionString, string sql)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand(sql, connection);
    await command.ExecuteNonQueryAsync();
}

int Arg(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}

internal sealed record PhaseResult(double Rate, int Accepted, int Failed, double P50, double P95, double P99);

internal static class Bench
{
    public const string AdminKey = "sch_admin_bench_0123456789abcdefghijklmnop";

    private static int _messageNumber;

    public static int Authors { get; set; } = 1000;

    public static async Task<(Guid WorkspaceId, Guid ChannelId)> ArrangeAsync(HttpClient http)
    {
        using var admin = new HttpRequestMessage(HttpMethod.Post, "/v1/workspaces")
        {
            Content = JsonContent.Create(new { name = "bench" }),
        };
        admin.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Bench.AdminKey);
        var workspace = JsonNode.Parse(
            await (await http.SendAsync(admin)).EnsureSuccessStatusCode().Content.ReadAsStringAsync()
        )!;
        var workspaceId = workspace["id"]!.GetValue<Guid>();
        using var keyRequest = new HttpRequestMessage(HttpMethod.Post, $"/v1/workspaces/{workspaceId}/api-keys")
        {
            Content = JsonContent.Create(
                new
                {
                    name = "bench partner",
                    scopes = new[] { "engagements:write", "channels:manage", "subscriptions:manage" },
                }
            ),
        };
        keyRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Bench.AdminKey);
        var key = JsonNode.Parse(
            await (await http.SendAsync(keyRequest)).EnsureSuccessStatusCode().Content.ReadAsStringAsync()
        )!["key"]!.GetValue<string>();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var channel = await http.PostAsJsonAsync(
            "/v1/channels",
            new
            {
                type = "app-chat",
                name = "bench",
                brand = "Bench",
            }
        );
        return (
            workspaceId,
            JsonNode.Parse(await channel.EnsureSuccessStatusCode().Content.ReadAsStringAsync())!["id"]!.GetValue<Guid>()
        );
    }

    public static async Task<PhaseResult> ClosedLoopAsync(
        HttpClient http,
        Guid channelId,
        int seconds,
        int concurrency,
        string label
    )
    {
        var latencies = new ConcurrentBag<double>();
        var failed = 0;
        var clock = Stopwatch.StartNew();
        var end = TimeSpan.FromSeconds(seconds);
        await Task.WhenAll(
            Enumerable
                .Range(0, concurrency)
                .Select(async _ =>
                {
                    while (clock.Elapsed < end)
                    {
                        var (ok, ms) = await PostAsync(http, channelId);
                        if (ok)
                        {
                            latencies.Add(ms);
                        }
                        else
                        {
                            Interlocked.Increment(ref failed);
                        }
                    }
                })
        );
        return Summarise(latencies.ToList(), failed, clock.Elapsed.TotalSeconds);
    }

    public static Task<PhaseResult> OpenLoopAsync(HttpClient http, Guid channelId, int seconds, int rate) =>
        OpenLoopAsync(seconds, rate, () => PostAsync(http, channelId));

    /// <summary>Open loop: every millisecond, send whatever is due by then, whether or not earlier requests have
    /// answered.</summary>
    public static async Task<PhaseResult> OpenLoopAsync(int seconds, int rate, Func<Task<(bool Ok, double Ms)>> send)
    {
        var latencies = new ConcurrentBag<double>();
        var failed = 0;
        var inFlight = new List<Task>();
        var clock = Stopwatch.StartNew();
        var total = seconds * rate;
        var issued = 0;
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(1));
        while (issued < total && await tick.WaitForNextTickAsync())
        {
            var due = Math.Min(total, (int)(clock.Elapsed.TotalSeconds * rate) + 1);
            for (; issued < due; issued++)
            {
                inFlight.Add(
                    Task.Run(async () =>
                    {
                        var (ok, ms) = await send();
                        if (ok)
                        {
                            latencies.Add(ms);
                        }
                        else
                        {
                            Interlocked.Increment(ref failed);
                        }
                    })
                );
            }
        }

        await Task.WhenAll(inFlight);
        return Summarise(latencies.ToList(), failed, clock.Elapsed.TotalSeconds);
    }

    private static Task<(bool Ok, double Ms)> PostAsync(HttpClient http, Guid channelId)
    {
        var n = Interlocked.Increment(ref _messageNumber);
        return TimeAsync(() =>
            http.PostAsJsonAsync(
                "/v1/engagements",
                new
                {
                    channelId,
                    platformMessageId = $"bench-{n}",
                    author = new { platformUserId = $"customer-{n % Authors}", displayName = "عميل" },
                    text = $"Order {n} is late 😡 — طلبي متأخر",
                    visibility = "private",
                    occurredAt = DateTimeOffset.UtcNow,
                }
            )
        );
    }

    /// <summary>Whether a request succeeded, and how long its answer took; a broken connection or a timeout is a
    /// failure.</summary>
    public static async Task<(bool Ok, double Ms)> TimeAsync(Func<Task<HttpResponseMessage>> send)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await send();
            return (response.IsSuccessStatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (HttpRequestException)
        {
            return (false, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (TaskCanceledException)
        {
            return (false, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    private static PhaseResult Summarise(List<double> latencies, int failed, double elapsedSeconds) =>
        new(
            latencies.Count / elapsedSeconds,
            latencies.Count,
            failed,
            Stats.Percentile(latencies, 50),
            Stats.Percentile(latencies, 95),
            Stats.Percentile(latencies, 99)
        );
}
