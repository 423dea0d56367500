using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Npgsql;
using SocialCare.Testing;

namespace SocialCare.Chaos;

/// <summary>One chaos run: its servers' database, its hubs, load balancer, subscribers, load and faults.</summary>
internal sealed class ChaosRun(ChaosOptions options) : IAsyncDisposable
{
    private readonly string _run = DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
    private readonly string _adminKey = "sch_admin_chaos_" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
    private readonly string _secretsKey = Convert.ToBase64String(
        System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)
    );
    private readonly int[] _hubPorts = [FreePort(), FreePort()];
    private readonly int _balancerPort = FreePort();
    private readonly HubProcess?[] _hubs = new HubProcess?[2];
    private readonly List<(string Fault, long Start, long End, Subscriber[] Sinks, bool Bus)> _faults = [];
    private readonly ConcurrentDictionary<int, (Guid Engagement, long At)> _accepted = new();
    private readonly ConcurrentDictionary<string, int> _answers = new();
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly Lock _readiness = new();
    private Task? _ready;
    private string _database = "";
    private Process? _balancer;
    private Subscriber[] _subscribers = [];
    private HttpClient? _probe;
    private BusConsumer? _bus;

    private string FanOutQueue => $"chaos-webhooks-{_run}";

    private string ReplyQueue => $"chaos-replies-{_run}";

    public async Task<int> RunAsync()
    {
        Console.WriteLine(
            $"chaos run: {options.Engagements:N0} engagements at {options.Rate:0.#}/s through HAProxy to two hubs; "
                + (options.Cluster ? "a three-node RabbitMQ cluster with quorum queues, one node " : "RabbitMQ ")
                + $"away {options.BrokerDown.TotalSeconds:0} s, a subscriber away "
                + $"{options.SubscriberDown.TotalSeconds:0} s"
        );
        _database = await CreateDatabaseAsync();
        for (var i = 0; i < _hubs.Length; i++)
        {
            _hubs[i] = await StartHubAsync(i);
        }

        await StartBalancerAsync();
        using var admin = Client(_adminKey);
        _probe = Client(null);
        var workspace = (await ReadAsync(await admin.PostAsJsonAsync("/v1/workspaces", new { name = "chaos" })))[
            "id"
        ]!.GetValue<Guid>();
        var key = (
            await ReadAsync(
                await admin.PostAsJsonAsync(
                    $"/v1/workspaces/{workspace}/api-keys",
                    new
                    {
                        name = "chaos",
                        scopes = new[] { "engagements:write", "subscriptions:manage", "channels:manage" },
                    }
                )
            )
        )["key"]!.GetValue<string>();
        using var client = Client(key);
        var channel = (
            await ReadAsync(
                await client.PostAsJsonAsync(
                    "/v1/channels",
                    new
                    {
                        type = "whatsapp",
                        name = "Namshi",
                        brand = "Namshi",
                    }
                )
            )
        )["id"]!.GetValue<Guid>();
        _subscribers =
        [
            new Subscriber("steady", FreePort(), 0),
            new Subscriber("flaky", FreePort(), 0.2),
            new Subscriber("away", FreePort(), 0),
        ];
        foreach (var subscriber in _subscribers)
        {
            await subscriber.StartAsync();
            await ReadAsync(
                await client.PostAsJsonAsync(
                    "/v1/subscriptions",
                    new { url = subscriber.Url, eventTypes = new[] { "engagement.received" } }
                )
            );
        }

        _bus = new BusConsumer();
        await _bus.StartAsync(options);

        await Task.WhenAll(LoadAsync(key, channel), FaultsAsync());
        Console.WriteLine($"{Elapsed():0} s: load and faults done; waiting for everything accepted to arrive");
        await SettledAsync(options.Drain);
        return await ReportAsync(workspace);
    }

    private async Task<HubProcess> StartHubAsync(int index)
    {
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = _database,
            ["RabbitMq__Host"] = options.RabbitNodes[0].HostName,
            ["RabbitMq__Port"] = options.RabbitNodes[0].Port.ToString(CultureInfo.InvariantCulture),
            ["RabbitMq__VirtualHost"] = options.RabbitVirtualHost,
            ["RabbitMq__QueueType"] = options.Cluster ? "quorum" : "classic",
            ["Admin__ApiKey"] = _adminKey,
            ["Secrets__Keys__chaos"] = _secretsKey,
            ["Secrets__ActiveKey"] = "chaos",
            ["Webhooks__AllowPrivateTargets"] = "true",
            ["Webhooks__FanOutQueue"] = FanOutQueue,
            ["Connectors__ReplyQueue"] = ReplyQueue,
            ["RateLimiting__PermitsPerSecond"] = "100000",
            ["RateLimiting__Burst"] = "100000",
            ["RateLimiting__HooksPerAddressPerSecond"] = "100000",
            // Retries compressed to seconds, so that a subscriber's return is seen within the run.
            ["Webhooks__RetrySchedule__0"] = "00:00:01",
            ["Webhooks__RetrySchedule__1"] = "00:00:02",
            ["Webhooks__RetrySchedule__2"] = "00:00:05",
            ["Webhooks__RetrySchedule__3"] = "00:00:10",
            ["Webhooks__RetrySchedule__4"] = "00:00:15",
            ["Webhooks__RetrySchedule__5"] = "00:00:15",
            ["Webhooks__RetrySchedule__6"] = "00:00:15",
            ["Webhooks__RetrySchedule__7"] = "00:00:15",
            ["Webhooks__RetrySchedule__8"] = "00:00:15",
            ["Webhooks__RetrySchedule__9"] = "00:00:15",
            ["Webhooks__RetrySchedule__10"] = "00:00:15",
            ["Webhooks__RetrySchedule__11"] = "00:00:15",
            ["Webhooks__RetrySchedule__12"] = "00:00:15",
            ["Webhooks__RetrySchedule__13"] = "00:00:15",
            ["Webhooks__RetrySchedule__14"] = "00:00:15",
            // Faults are the point: the hubs' warnings and failing health checks would drown the report.
            ["Logging__LogLevel__Default"] = "Error",
            ["Logging__LogLevel__Microsoft.Extensions.Diagnostics.HealthChecks"] = "Critical",
        };
        for (var node = 1; node < options.RabbitNodes.Count; node++)
        {
            settings[$"RabbitMq__Hosts__{node - 1}"] =
                $"{options.RabbitNodes[node].HostName}:{options.RabbitNodes[node].Port}";
        }

        return await HubProcess.StartAsync(settings, _hubPorts[index]);
    }

    private async Task StartBalancerAsync()
    {
        var config = Path.Combine(Path.GetTempPath(), $"socialcare-chaos-{_run}.cfg");
        await File.WriteAllTextAsync(
            config,
            $"""
            global
                maxconn 4096
            defaults
                mode http
                timeout connect 2s
                timeout client 60s
                timeout server 60s
                retries 2
                option redispatch
            frontend hub
                bind 127.0.0.1:{_balancerPort}
                default_backend hubs
            backend hubs
                balance roundrobin
                option httpchk GET /health/ready
                http-check expect status 200
                default-server inter 500ms fall 2 rise 1
                server a 127.0.0.1:{_hubPorts[0]} check
                server b 127.0.0.1:{_hubPorts[1]} check

            """
        );
        _balancer = Process.Start(
            new ProcessStartInfo("haproxy", ["-f", config, "-db"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            }
        )!;
        _balancer.OutputDataReceived += (_, _) => { };
        _balancer.ErrorDataReceived += (_, _) => { };
        _balancer.BeginOutputReadLine();
        _balancer.BeginErrorReadLine();
        using var probe = Client(null);
        await UntilAsync(
            async () =>
            {
                try
                {
                    return (await probe.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    return false; // not listening yet
                }
            },
            TimeSpan.FromSeconds(30),
            "HAProxy to find a hub ready"
        );
    }

    private async Task LoadAsync(string key, Guid channel)
    {
        using var http = Client(key);
        var progress = options.Engagements / 10 + 1;
        await new SteadyLoad(options.Rate, 512).RunAsync(
            (i, _) => i < options.Engagements,
            (i, _) =>
            {
                if (i % progress == 0 && i > 0)
                {
                    Console.WriteLine($"{Elapsed():0} s: {i:N0} sent, {_accepted.Count:N0} accepted");
                }

                return Task.CompletedTask;
            },
            n => SendAsync(http, channel, (int)n)
        );
    }

    /// <summary>Sends one engagement until the hub takes it, as a platform retries its webhook; each answer is
    /// counted.</summary>
    private async Task SendAsync(HttpClient http, Guid channel, int n)
    {
        var body = new
        {
            channelId = channel,
            platformMessageId = $"chaos-{_run}-{n}",
            author = new { platformUserId = $"9715{n % 5000:D8}" },
            text = $"Where is my order {n}? أين طلبي 📦",
            visibility = "private",
            occurredAt = DateTimeOffset.UtcNow,
        };
        var giveUp = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 600;
        while (Stopwatch.GetTimestamp() < giveUp)
        {
            try
            {
                using var response = await http.PostAsJsonAsync("/v1/engagements", body);
                _answers.AddOrUpdate(
                    ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture),
                    1,
                    (_, c) => c + 1
                );
                if (response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK)
                {
                    var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
                    _accepted[n] = (answer["engagementId"]!.GetValue<Guid>(), Stopwatch.GetTimestamp());
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                _answers.AddOrUpdate("no answer", 1, (_, c) => c + 1);
            }

            // Refused or cut off: sent again once the load balancer has a hub that says it is ready (at once if it
            // has one; while PostgreSQL restarts, none does).
            await HubReadyAsync();
        }
    }

    /// <summary>Completes when a hub behind the load balancer answers <c>/health/ready</c> with 200; one probe at a
    /// time, whichever senders wait for it.</summary>
    private Task HubReadyAsync()
    {
        lock (_readiness)
        {
            if (_ready is not { IsCompleted: false })
            {
                _ready = UntilAsync(
                    async () =>
                    {
                        try
                        {
                            using var response = await _probe!.GetAsync("/health/ready");
                            return response.StatusCode == HttpStatusCode.OK;
                        }
                        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                        {
                            return false;
                        }
                    },
                    TimeSpan.FromMinutes(5),
                    "a hub to be ready again"
                );
            }

            return _ready;
        }
    }

    /// <summary>
    /// Lets the load run on for <paramref name="worth"/> of it: until the hubs have accepted as many more engagements as
    /// the rate brings in that long (or all of them), however long a loaded machine takes to accept them. The gaps
    /// between faults and the length of each outage are measured in engagements that went through them, not in time
    /// slept.
    /// </summary>
    private Task LoadCarriesOnAsync(TimeSpan worth, string what)
    {
        var target = Math.Min(
            options.Engagements,
            _accepted.Count + Math.Max(1, (int)(options.Rate * worth.TotalSeconds))
        );
        return UntilAsync(
            () => Task.FromResult(_accepted.Count >= target),
            worth * 10 + TimeSpan.FromMinutes(2),
            $"{target:N0} engagements accepted ({what})"
        );
    }

    private async Task FaultsAsync()
    {
        var steady = _subscribers[0];
        await LoadCarriesOnAsync(options.Gap, "before the first fault");

        var leader = await LeaderAsync();
        var killed = Stopwatch.GetTimestamp();
        await _hubs[leader]!.KillAsync();
        _faults.Add(($"kill -9 of the relay leader (hub {leader + 1})", killed, killed, [steady], true));
        Console.WriteLine($"{Elapsed():0} s: killed hub {leader + 1}, the relay leader");
        _hubs[leader] = await StartHubAsync(leader);
        Console.WriteLine($"{Elapsed():0} s: hub {leader + 1} started again");
        await LoadCarriesOnAsync(options.Gap, "after the kill");

        // One broker stopped for a while; on a cluster, the node the hubs connect to first killed -9 meanwhile (they move
        // to the others, its quorum queues elect leaders there) and started again.
        var brokerStopped = Stopwatch.GetTimestamp();
        var broker = options.Cluster ? "RabbitMQ node 1 of 3" : "RabbitMQ";
        await DevAsync(options.Cluster ? ["node-kill", "1"] : ["rabbit-stop"]);
        Console.WriteLine($"{Elapsed():0} s: {broker} {(options.Cluster ? "killed" : "stopped")}");
        await LoadCarriesOnAsync(options.BrokerDown, $"while {broker} is down");
        var brokerDown = Stopwatch.GetElapsedTime(brokerStopped).TotalSeconds;
        await DevAsync(options.Cluster ? ["node-start", "1"] : ["rabbit-start"]);
        _faults.Add(
            (
                options.Cluster
                    ? $"kill -9 of {broker}, down for {brokerDown:0} s"
                    : $"RabbitMQ stopped for {brokerDown:0} s",
                brokerStopped,
                Stopwatch.GetTimestamp(),
                [steady],
                true
            )
        );
        Console.WriteLine($"{Elapsed():0} s: {broker} started again");
        await LoadCarriesOnAsync(options.Gap, "after the broker's return");

        var restarting = Stopwatch.GetTimestamp();
        await DevAsync(["pg-restart"]);
        _faults.Add(("PostgreSQL restarted (fast)", restarting, Stopwatch.GetTimestamp(), [steady], true));
        Console.WriteLine($"{Elapsed():0} s: PostgreSQL restarted");
        await LoadCarriesOnAsync(options.Gap, "after the database restart");

        var away = _subscribers[2];
        var gone = Stopwatch.GetTimestamp();
        await away.StopAsync();
        Console.WriteLine($"{Elapsed():0} s: subscriber '{away.Name}' away");
        await LoadCarriesOnAsync(options.SubscriberDown, $"while '{away.Name}' is away");
        var awayFor = Stopwatch.GetElapsedTime(gone).TotalSeconds;
        await away.StartAsync();
        _faults.Add(
            ($"subscriber '{away.Name}' away for {awayFor:0} s", gone, Stopwatch.GetTimestamp(), [away], false)
        );
        Console.WriteLine($"{Elapsed():0} s: subscriber '{away.Name}' back");
    }

    /// <summary>Which hub leads the relay, from their own /metrics.</summary>
    private async Task<int> LeaderAsync()
    {
        var leader = -1;
        await UntilAsync(
            async () =>
            {
                for (var i = 0; i < _hubs.Length; i++)
                {
                    using var client = new HttpClient { BaseAddress = _hubs[i]!.BaseAddress };
                    client.DefaultRequestHeaders.Authorization = new("Bearer", _adminKey);
                    var metrics = await client.GetStringAsync("/metrics");
                    if (
                        metrics
                            .Split('\n')
                            .Any(l =>
                                l.StartsWith("socialcare_relay_leader", StringComparison.Ordinal)
                                && l.EndsWith(" 1", StringComparison.Ordinal)
                            )
                    )
                    {
                        leader = i;
                        return true;
                    }
                }

                return false;
            },
            TimeSpan.FromSeconds(20),
            "a hub to lead the relay"
        );
        return leader;
    }

    private async Task DevAsync(string[] fault)
    {
        using var process = Process.Start(new ProcessStartInfo("bash", [options.DevScript, "chaos-fault", .. fault]))!;
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"dev.sh chaos-fault {string.Join(' ', fault)} failed ({process.ExitCode})"
            );
        }
    }

    /// <summary>Waits until everything accepted so far has reached the bus consumer and every subscriber, at most
    /// <paramref name="timeout"/>; false when it had not.</summary>
    private async Task<bool> SettledAsync(TimeSpan timeout)
    {
        try
        {
            await UntilAsync(
                () =>
                {
                    var ids = _accepted.Values.Select(a => a.Engagement).ToList();
                    return Task.FromResult(
                        ids.All(_bus!.Received.ContainsKey) && _subscribers.All(s => ids.All(s.Received.ContainsKey))
                    );
                },
                timeout,
                "everything accepted to arrive"
            );
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Checks <paramref name="condition"/> every quarter second until it holds; a
    /// <see cref="TimeoutException"/> naming <paramref name="what"/> when it has not within
    /// <paramref name="timeout"/>.</summary>
    private static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(Stopwatch.Frequency * timeout.TotalSeconds);
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        while (!await condition())
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await tick.WaitForNextTickAsync();
        }
    }

    private async Task<int> ReportAsync(Guid workspace)
    {
        var ids = _accepted.Values.Select(a => a.Engagement).ToHashSet();
        long stored;
        await using (var connection = new NpgsqlConnection(_database))
        {
            await connection.OpenAsync();
            await using var count = new NpgsqlCommand(
                "select count(*) from engagements where workspace_id = $1",
                connection
            );
            count.Parameters.Add(new NpgsqlParameter { Value = workspace });
            stored = (long)(await count.ExecuteScalarAsync())!;
        }

        var lost = ids.Count(id =>
            !_bus!.Received.ContainsKey(id) || _subscribers.Any(s => !s.Received.ContainsKey(id))
        );
        var refused = options.Engagements - _accepted.Count;
        Console.WriteLine();
        Console.WriteLine(
            $"accepted   {_accepted.Count:N0} of {options.Engagements:N0} sent ({refused:N0} never taken)"
        );
        Console.WriteLine(
            "answers    " + string.Join(", ", _answers.OrderBy(a => a.Key).Select(a => $"{a.Key} ×{a.Value:N0}"))
        );
        Console.WriteLine($"stored     {stored:N0}");
        Console.WriteLine(
            $"published  {_bus!.Received.Count(r => ids.Contains(r.Key)):N0} to the AMQP consumer, {_bus.Duplicates:N0} duplicates"
        );
        foreach (var subscriber in _subscribers)
        {
            Console.WriteLine(
                $"delivered  {subscriber.Received.Count(r => ids.Contains(r.Key)):N0} to '{subscriber.Name}', "
                    + $"{subscriber.Duplicates:N0} duplicates"
            );
        }

        foreach (var (fault, start, end, sinks, bus) in _faults)
        {
            Console.WriteLine($"recovered  {Recovery(start, end, sinks, bus)} after the end of: {fault}");
        }

        Console.WriteLine($"lost       {lost:N0}");
        if (lost > 0)
        {
            await ExplainAsync(ids);
        }

        var failed = lost > 0 || refused > 0 || _answers.ContainsKey("500") || stored != _accepted.Count;
        Console.WriteLine(failed ? "chaos run FAILED" : "chaos run passed: nothing accepted was lost");
        return failed ? 1 : 0;
    }

    /// <summary>Where the engagements that did not arrive everywhere are: their deliveries, and the dead
    /// letters.</summary>
    private async Task ExplainAsync(HashSet<Guid> ids)
    {
        foreach (var sink in _subscribers)
        {
            foreach (var missing in ids.Where(id => !sink.Received.ContainsKey(id)).Take(5))
            {
                Console.WriteLine($"  missing at '{sink.Name}': engagement {missing}");
            }
        }

        foreach (var missing in ids.Where(id => !_bus!.Received.ContainsKey(id)).Take(5))
        {
            Console.WriteLine($"  missing on the bus: engagement {missing}");
        }

        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var deliveries = new NpgsqlCommand(
            """
            select s.url, d.status, d.attempts, coalesce(d.last_error, d.last_status_code::text, ''),
                d.next_attempt_at - now(), d.leased_by
            from webhook_deliveries d join subscriptions s on s.id = d.subscription_id
            where d.status <> 'delivered' and d.event_type = 'engagement.received' limit 20
            """,
            connection
        );
        await using (var reader = await deliveries.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                Console.WriteLine(
                    $"  delivery to {reader.GetString(0)}: {reader.GetString(1)}, {reader.GetInt32(2)} attempts, "
                        + $"'{reader.GetString(3)}', next in {reader.GetFieldValue<TimeSpan>(4)}, leased by "
                        + $"{(reader.IsDBNull(5) ? "none" : reader.GetGuid(5))}"
                );
            }
        }

        await using var letters = new NpgsqlCommand(
            "select source, coalesce(queue, follower), error from dead_letters limit 10",
            connection
        );
        await using var dead = await letters.ExecuteReaderAsync();
        while (await dead.ReadAsync())
        {
            Console.WriteLine($"  dead letter from {dead.GetString(0)} {dead.GetString(1)}: {dead.GetString(2)}");
        }
    }

    /// <summary>
    /// How long after the fault ended everything accepted while it lasted (and in the gap before it) had arrived: the
    /// last of those engagements to reach the bus consumer (when the fault concerns it) and the given subscribers.
    /// </summary>
    private string Recovery(long start, long end, Subscriber[] sinks, bool bus)
    {
        var from = start - (long)(Stopwatch.Frequency * options.Gap.TotalSeconds);
        var before = _accepted.Values.Where(a => a.At > from && a.At <= end).Select(a => a.Engagement).ToList();
        var arrivals = new List<IReadOnlyDictionary<Guid, long>>(sinks.Select(s => s.Received));
        if (bus)
        {
            arrivals.Add(_bus!.Received);
        }

        if (before.Count == 0)
        {
            return "n/a (nothing was accepted during it)";
        }

        var last = long.MinValue;
        foreach (var id in before)
        {
            foreach (var sink in arrivals)
            {
                if (!sink.TryGetValue(id, out var at))
                {
                    return "never";
                }

                last = Math.Max(last, at);
            }
        }

        return $"{Math.Max(0, (last - end) / (double)Stopwatch.Frequency):0.0} s";
    }

    private double Elapsed() => Stopwatch.GetElapsedTime(_started).TotalSeconds;

    private HttpClient Client(string? key)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 512 })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{_balancerPort}"),
            Timeout = TimeSpan.FromSeconds(30),
        };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", key);
        }

        return client;
    }

    private static async Task<JsonNode> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException(
                $"{response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {text}"
            );
        }

        return JsonNode.Parse(text)!;
    }

    private async Task<string> CreateDatabaseAsync()
    {
        var name = $"socialcare_chaos_{_run}";
        await using (var server = new NpgsqlConnection(options.Postgres))
        {
            await server.OpenAsync();
            await using var create = new NpgsqlCommand($"create database \"{name}\"", server);
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(options.Postgres) { Database = name }.ConnectionString;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (_balancer is { HasExited: false })
        {
            _balancer.Kill();
            await _balancer.WaitForExitAsync();
        }

        _balancer?.Dispose();
        _probe?.Dispose();
        foreach (var hub in _hubs)
        {
            if (hub is not null)
            {
                await hub.DisposeAsync();
            }
        }

        foreach (var subscriber in _subscribers)
        {
            await subscriber.DisposeAsync();
        }

        if (_bus is not null)
        {
            await _bus.DisposeAsync();
        }

        // The run's durable queues would otherwise keep collecting every later run's events.
        var factory = new RabbitMQ.Client.ConnectionFactory { VirtualHost = options.RabbitVirtualHost };
        await using (var connection = await factory.CreateConnectionAsync(options.RabbitNodes))
        await using (var channel = await connection.CreateChannelAsync())
        {
            foreach (var queue in new[] { FanOutQueue, ReplyQueue, BusConsumer.Queue })
            {
                await channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false);
                await channel.ExchangeDeleteAsync(queue);
            }
        }

        if (_database.Length > 0)
        {
            NpgsqlConnection.ClearAllPools();
            await using var server = new NpgsqlConnection(options.Postgres);
            await server.OpenAsync();
            var name = new NpgsqlConnectionStringBuilder(_database).Database;
            await using var drop = new NpgsqlCommand($"drop database if exists \"{name}\" with (force)", server);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
