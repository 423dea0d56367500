using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Npgsql;
using SocialCare.Benchmarks;
using SocialCare.Testing;

// SocialCare Hub benchmark: ./infra/dev.sh bench [--seconds N] [--rates R1,R2] [--batch-size B] [--batch-clients C]
// [--authors A] [--webhook-rate W]
// [--whatsapp-rate P] [--timers T] [--timer-rate R] [--report-conversations C]
// [--phases webhooks,whatsapp,ingestion,timers,reports] (all unless told)
// Runs the real hub (its own process, Kestrel, Release build) against the real PostgreSQL and RabbitMQ
// on this machine, in a database of its own, and prints what it measured.
var seconds = Arg("--seconds", 10);
var rateIndex = Array.IndexOf(args, "--rates");
var rates = (rateIndex >= 0 && rateIndex + 1 < args.Length ? args[rateIndex + 1] : "1000,2000")
    .Split(',')
    .Select(r => int.Parse(r, CultureInfo.InvariantCulture))
    .ToArray();
var batchSize = Arg("--batch-size", 100);
var batchClients = Arg("--batch-clients", 4);
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
        $"SocialCare Hub benchmark — {Environment.ProcessorCount} cores, {seconds} s per phase, paced at "
            + $"{string.Join(" and ", rates)} engagements/s, {Bench.Authors} customers"
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

    await Bench.ClosedLoopAsync(http, channelId, 8, 64);
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

// Issue 22's figures, side by side with the floors they are measured against: the raw Npgsql baseline first (on a
// database the hub has not yet filled), the single endpoint paced at each of --rates (on a hub not yet overloaded) and
// at its maximum, the batch endpoint at its maximum and paced at half the raw baseline, then the relay working off a
// backlog against raw RabbitMQ.Client with confirms. Each phase prints CPU and allocation per engagement and the
// working set before and after; the last lines say which targets held.
async Task IngestionAsync(
    HttpClient http,
    BusWatch bus,
    CpuMeter cpu,
    MemoryMeter memory,
    Guid channelId,
    string connectionString
)
{
    var targets = new List<(string Target, bool Met)>();
    await bus.DrainAsync();
    var baseline = await Baseline.RunAsync(connectionString, seconds);
    Console.WriteLine(
        "raw Npgsql baseline (same engagement, stream and event rows, batches of 100, 2 writers): "
            + Stats.Rate(baseline)
    );
    // Its rows are events too, which the relay, the fan-out, the workflow processor and the reports would work off
    // during the next phase (half a core of it): what they have not taken yet is deleted, the rest is waited for, and
    // the statistics of the tables it grew are gathered now rather than by autovacuum during a phase.
    await Sql(
        connectionString,
        """
        begin;
        -- The baseline's own rows, its events before their streams (no trigger but the foreign key's on these tables):
        -- the key's check for each deleted stream is not needed, and once held the benchmark for 16 minutes.
        set local session_replication_role = replica;
        delete from mt_events e using workspaces w where w.name = 'baseline' and e.tenant_id = w.id::text;
        delete from engagements e using workspaces w where w.name = 'baseline' and e.workspace_id = w.id;
        delete from mt_streams s using workspaces w where w.name = 'baseline' and s.tenant_id = w.id::text;
        commit;
        """
    );
    await CaughtUpAsync(connectionString, "");
    await Sql(connectionString, "vacuum (analyze)");
    await bus.DrainAsync();
    foreach (var pacedRate in rates)
    {
        var paced = await PacedAsync(
            bus,
            cpu,
            memory,
            connectionString,
            pacedRate,
            "one engagement per request",
            () => Bench.OpenLoopAsync(http, channelId, seconds, pacedRate)
        );
        targets.Add(
            ($"POST /v1/engagements at {pacedRate}/s: accept p99 < 50 ms", paced.P99 < 50 && paced.Failed == 0)
        );
    }

    var max = await MaxAsync(
        bus,
        cpu,
        memory,
        "max throughput (64 concurrent clients)",
        () => Bench.ClosedLoopAsync(http, channelId, seconds, 64)
    );
    Console.WriteLine($"  single / raw baseline: {Ratio(max.Rate, baseline)}");
    targets.Add(("POST /v1/engagements maximum ≥ 4,500/s", max.Rate >= 4500));

    var batchMax = await MaxAsync(
        bus,
        cpu,
        memory,
        $"batch max throughput ({batchClients} concurrent clients, {batchSize} engagements per request)",
        () => BatchPhase.MaxAsync(http, channelId, seconds, batchClients, batchSize)
    );
    Console.WriteLine($"  batch / raw baseline: {Ratio(batchMax.Rate, baseline)}");
    var half = (int)(baseline / 2);
    var sustained = await PacedAsync(
        bus,
        cpu,
        memory,
        connectionString,
        half,
        $"batches of {batchSize}",
        () => BatchPhase.PacedAsync(http, channelId, seconds, half, batchSize)
    );
    targets.Add(
        (
            $"batches sustain 0.5 × raw baseline ({half}/s) with commit → RabbitMQ p99 < 100 ms",
            sustained.Rate >= half * 0.98 && sustained.Failed == 0 && sustained.CommitToBusP99 < 100
        )
    );

    var (relay, raw) = await PublishingAsync(bus, connectionString);
    targets.Add(("relay publishes ≥ 0.5 × raw RabbitMQ.Client with confirms", relay >= raw / 2));

    Console.WriteLine("targets (issue 22):");
    foreach (var (target, met) in targets)
    {
        Console.WriteLine($"  {(met ? "met   " : "MISSED")} {target}");
    }

    Console.WriteLine($"targets met: {targets.Count(t => t.Met)} of {targets.Count}");
}

// A closed loop at the most the hub takes; then until the relay and the fan-out have worked off what it left: their CPU
// is part of each engagement's.
async Task<PhaseResult> MaxAsync(
    BusWatch bus,
    CpuMeter cpu,
    MemoryMeter memory,
    string label,
    Func<Task<PhaseResult>> run
)
{
    await bus.DrainAsync();
    var before = cpu.Read();
    var allocated = await memory.ReadAsync();
    var max = await run();
    await bus.DrainAsync();
    Console.WriteLine(
        $"{label}: {Stats.Rate(max.Rate)}, {max.Failed} failed, request p50 {Stats.Ms(max.P50)}, p99 {Stats.Ms(max.P99)}"
    );
    Console.WriteLine($"  {cpu.PerEngagement(before, max.Accepted)}");
    Console.WriteLine($"  {await memory.PerEngagementAsync(allocated, max.Accepted)}");
    return max;
}

// The relay working off a backlog written straight into the log as fast as PostgreSQL takes it (more than the relay
// publishes), from its first event to its last confirmed; then plain RabbitMQ.Client with confirms on the same broker.
async Task<(double Relay, double Raw)> PublishingAsync(BusWatch bus, string connectionString)
{
    const int backlog = 50_000;
    await bus.DrainAsync();
    var (_, from) = await RelayPositionAsync(connectionString);
    var clock = Stopwatch.StartNew();
    await Baseline.WriteAsync(connectionString, backlog);
    var written = clock.Elapsed;
    var (head, reached) = await RelayPositionAsync(connectionString);
    await CaughtUpAsync(connectionString, "rabbitmq", head);

    // From the end of the writes on, the relay has the machine to itself, as the raw baseline has.
    var relay = (head - reached) / (clock.Elapsed - written).TotalSeconds;
    Console.WriteLine(
        $"relay, a backlog of {head - from} events written in {written.TotalSeconds:F1} s (while the relay published "
            + $"{reached - from} of them): all confirmed after {clock.Elapsed.TotalSeconds:F1} s; the last "
            + $"{head - reached} alone at {Stats.Rate(relay)}"
    );
    await bus.DrainAsync();
    var raw = await RabbitBaseline.RunAsync(rabbitHost, rabbitPort, seconds);
    Console.WriteLine(
        $"raw RabbitMQ.Client baseline (persistent, confirms, windows of 500, one channel): {Stats.Rate(raw)}"
    );
    Console.WriteLine($"  relay / raw RabbitMQ: {Ratio(relay, raw)}");
    return (relay, raw);
}

// Until `follower` (every follower of the log when empty: the relay, the workflow processor, the reports) has reached
// `head` (the log's head now, when not given); at most five minutes.
static async Task CaughtUpAsync(string connectionString, string follower, long? head = null)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand(
        "select coalesce($2, (select max(seq_id) from mt_events), 0) <= "
            + "coalesce((select min(last_seq_id) from mt_event_progression where ($1 = '' or name = $1) "
            // A follower that has not moved for a minute is not running here (Reports__Enabled=false).
            + "and last_updated > now() - interval '1 minute'), 9223372036854775807)",
        connection
    );
    command.Parameters.Add(new NpgsqlParameter { Value = follower });
    command.Parameters.Add(new NpgsqlParameter<long?> { TypedValue = head });
    var deadline = Stopwatch.StartNew();
    using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
    while (await command.ExecuteScalarAsync() is false && deadline.Elapsed < TimeSpan.FromMinutes(5))
    {
        await poll.WaitForNextTickAsync();
    }
}

static async Task<(long Head, long Checkpoint)> RelayPositionAsync(string connectionString)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand(
        "select coalesce((select max(seq_id) from mt_events), 0), "
            + "coalesce((select last_seq_id from mt_event_progression where name = 'rabbitmq'), 0)",
        connection
    );
    await using var reader = await command.ExecuteReaderAsync();
    await reader.ReadAsync();
    return (reader.GetInt64(0), reader.GetInt64(1));
}

static string Ratio(double value, double floor) => (value / floor).ToString("0.00", CultureInfo.InvariantCulture);

// Paced (open loop) at a steady rate: accept latency, and how long each event took from commit to RabbitMQ.
async Task<PacedFigures> PacedAsync(
    BusWatch bus,
    CpuMeter cpu,
    MemoryMeter memory,
    string connectionString,
    int pacedRate,
    string how,
    Func<Task<PhaseResult>> run
)
{
    await bus.DrainAsync();
    bus.Reset();
    var before = cpu.Read();
    var allocated = await memory.ReadAsync();
    var paced = await run();
    var relay = await bus.LatenciesAsync(paced.Accepted);
    await bus.DrainAsync();
    var used = cpu.PerEngagement(before, paced.Accepted);
    Console.WriteLine(
        $"paced at {pacedRate}/s ({how}): achieved {Stats.Rate(paced.Rate)}, "
            + $"{paced.Accepted} accepted, {paced.Failed} failed; request latency p50 {Stats.Ms(paced.P50)}, "
            + $"p95 {Stats.Ms(paced.P95)}, p99 {Stats.Ms(paced.P99)}"
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
    return new PacedFigures(
        paced.Rate,
        paced.Failed,
        paced.P99,
        fromCommit.ToArrival.Count == 0 ? double.NaN : Stats.Percentile(fromCommit.ToArrival, 99)
    );
}

// Administrative statements (creating and dropping the database, deleting the raw baseline's rows, VACUUM): no time
// limit, they take what they take on a slow day.
static async Task Sql(string connectionString, string sql)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
    await command.ExecuteNonQueryAsync();
}

int Arg(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}

internal sealed record PhaseResult(double Rate, int Accepted, int Failed, double P50, double P95, double P99);

internal sealed record PacedFigures(double Rate, int Failed, double P99, double CommitToBusP99);

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

    public static Task<PhaseResult> ClosedLoopAsync(HttpClient http, Guid channelId, int seconds, int concurrency) =>
        ClosedLoopAsync(seconds, concurrency, () => PostAsync(http, channelId));

    /// <summary>Closed loop: <paramref name="concurrency"/> clients, each sending again as soon as it is
    /// answered.</summary>
    public static async Task<PhaseResult> ClosedLoopAsync(
        int seconds,
        int concurrency,
        Func<Task<(bool Ok, double Ms)>> send
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
                        var (ok, ms) = await send();
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

    private static Task<(bool Ok, double Ms)> PostAsync(HttpClient http, Guid channelId) =>
        TimeAsync(() => http.PostAsJsonAsync("/v1/engagements", NextEngagement(channelId)));

    /// <summary>A new engagement (a unique platform message id) from one of <see cref="Authors"/> customers.</summary>
    public static object NextEngagement(Guid channelId)
    {
        var n = Interlocked.Increment(ref _messageNumber);
        return new
        {
            channelId,
            platformMessageId = $"bench-{n}",
            author = new { platformUserId = $"customer-{n % Authors}", displayName = "عميل" },
            text = $"Order {n} is late 😡 — طلبي متأخر",
            visibility = "private",
            occurredAt = DateTimeOffset.UtcNow,
        };
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
