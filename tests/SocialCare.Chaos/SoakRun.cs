using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Npgsql;
using SocialCare.Testing;

namespace SocialCare.Chaos;

/// <summary>
/// The soak (<c>./infra/dev.sh soak --minutes N [--rate R]</c>): one hub as a process of its own, a steady load of
/// engagements with a webhook subscriber and the relay to RabbitMQ, and every 30 s the hub's working set and GC heap as
/// its own /metrics report them. After the warm-up they must stay flat: the run compares the second half's samples with
/// the first half's.
/// </summary>
internal sealed class SoakRun(string postgres, string rabbitHost, int rabbitPort, string rabbitVirtualHost)
{
    private static readonly TimeSpan Sample = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync(string[] args)
    {
        var minutes = 10.0;
        var rate = 500.0;
        for (var i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--minutes":
                    minutes = double.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--rate":
                    rate = double.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                default:
                    throw new ArgumentException($"unknown argument {args[i]}; usage: soak [--minutes N] [--rate R]");
            }
        }

        string Env(string name) =>
            Environment.GetEnvironmentVariable(name)
            ?? throw new InvalidOperationException($"{name} is not set: run the soak with ./infra/dev.sh soak");
        return await new SoakRun(
            Env("ConnectionStrings__Postgres"),
            Env("RabbitMq__Host"),
            int.Parse(Env("RabbitMq__Port"), CultureInfo.InvariantCulture),
            Env("RabbitMq__VirtualHost")
        ).RunAsync(TimeSpan.FromMinutes(minutes), rate);
    }

    private async Task<int> RunAsync(TimeSpan duration, double rate)
    {
        var run = DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        var admin = "sch_admin_soak_" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        var database = new NpgsqlConnectionStringBuilder(postgres)
        {
            Database = $"socialcare_soak_{run}",
        }.ConnectionString;
        await ExecuteAsync(postgres, $"create database \"socialcare_soak_{run}\"");
        try
        {
            await using var hub = await HubProcess.StartAsync(
                new Dictionary<string, string>
                {
                    ["ConnectionStrings__Postgres"] = database,
                    ["RabbitMq__Host"] = rabbitHost,
                    ["RabbitMq__Port"] = rabbitPort.ToString(CultureInfo.InvariantCulture),
                    ["RabbitMq__VirtualHost"] = rabbitVirtualHost,
                    ["Admin__ApiKey"] = admin,
                    ["Secrets__Keys__soak"] = Convert.ToBase64String(
                        System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)
                    ),
                    ["Secrets__ActiveKey"] = "soak",
                    ["Webhooks__AllowPrivateTargets"] = "true",
                    ["Webhooks__FanOutQueue"] = $"soak-webhooks-{run}",
                    ["Webhooks__FanOutQueueTemporary"] = "true",
                    ["Connectors__ReplyQueue"] = $"soak-replies-{run}",
                    ["Connectors__ReplyQueueTemporary"] = "true",
                    ["RateLimiting__PermitsPerSecond"] = "100000",
                    ["RateLimiting__Burst"] = "100000",
                }
            );
            await using var subscriber = new Subscriber("soak", FreePort(), 0);
            await subscriber.StartAsync();
            using var client = new HttpClient { BaseAddress = hub.BaseAddress };
            client.DefaultRequestHeaders.Authorization = new("Bearer", admin);
            var workspace = await IdAsync(client.PostAsJsonAsync("/v1/workspaces", new { name = "soak" }), "id");
            var key = (
                await ReadAsync(
                    client.PostAsJsonAsync(
                        $"/v1/workspaces/{workspace}/api-keys",
                        new
                        {
                            name = "soak",
                            scopes = new[] { "engagements:write", "subscriptions:manage", "channels:manage" },
                        }
                    )
                )
            )["key"]!.GetValue<string>();
            using var load = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 })
            {
                BaseAddress = hub.BaseAddress,
            };
            load.DefaultRequestHeaders.Authorization = new("Bearer", key);
            var channel = await IdAsync(
                load.PostAsJsonAsync(
                    "/v1/channels",
                    new
                    {
                        type = "whatsapp",
                        name = "Namshi",
                        brand = "Namshi",
                    }
                ),
                "id"
            );
            await ReadAsync(
                load.PostAsJsonAsync(
                    "/v1/subscriptions",
                    new { url = subscriber.Url, eventTypes = new[] { "engagement.received" } }
                )
            );

            Console.WriteLine(
                $"soak: {duration.TotalMinutes:0.#} min at {rate:0}/s against one hub (Release), a webhook subscriber and "
                    + "the relay; the hub's working set and GC heap every 30 s"
            );
            Console.WriteLine("  time   accepted   working set   GC heap");
            var accepted = 0L;
            var failed = 0L;
            var samples = new List<(double WorkingSet, double Heap)>();
            var next = Sample;
            await new SteadyLoad(rate, 256).RunAsync(
                (_, elapsed) => elapsed < duration,
                async (_, elapsed) =>
                {
                    if (elapsed < next)
                    {
                        return;
                    }

                    var (workingSet, heap) = await MemoryAsync(client);
                    samples.Add((workingSet, heap));
                    Console.WriteLine(
                        $"  {next.TotalSeconds, 4:0} s {Interlocked.Read(ref accepted), 10:N0} {workingSet, 10:0.0} MB {heap, 7:0.0} MB"
                    );
                    next += Sample;
                },
                async n =>
                {
                    try
                    {
                        using var response = await load.PostAsJsonAsync(
                            "/v1/engagements",
                            new
                            {
                                channelId = channel,
                                platformMessageId = $"soak-{run}-{n}",
                                author = new { platformUserId = $"9715{n % 20000:D8}" },
                                text = $"Where is my order {n}? أين طلبي 📦",
                                visibility = "private",
                                occurredAt = DateTimeOffset.UtcNow,
                            }
                        );
                        Interlocked.Increment(ref response.IsSuccessStatusCode ? ref accepted : ref failed);
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                    {
                        Interlocked.Increment(ref failed);
                    }
                }
            );

            // Warm-up: the first two samples. Flat: the second half's highest is within 10 % of the first half's.
            var settled = samples.Skip(2).ToList();
            var half = settled.Count / 2;
            var first = settled.Take(half).ToList();
            var second = settled.Skip(half).ToList();
            var growth =
                first.Count == 0 || second.Count == 0
                    ? 0
                    : (second.Max(s => s.WorkingSet) - first.Max(s => s.WorkingSet)) / first.Max(s => s.WorkingSet);
            var heapGrowth =
                first.Count == 0 || second.Count == 0
                    ? 0
                    : (second.Max(s => s.Heap) - first.Max(s => s.Heap)) / first.Max(s => s.Heap);
            Console.WriteLine(
                $"accepted {accepted:N0}, failed {failed:N0}; after warm-up the working set changed by {growth:+0.0%;-0.0%} "
                    + $"and the GC heap by {heapGrowth:+0.0%;-0.0%} from the first half to the second (highest sample)"
            );
            var flat = growth < 0.10 && heapGrowth < 0.25 && failed == 0;
            Console.WriteLine(flat ? "soak passed: memory stays flat" : "soak FAILED");
            return flat ? 0 : 1;
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(postgres, $"drop database if exists \"socialcare_soak_{run}\" with (force)");
        }
    }

    /// <summary>The hub's working set and GC heap (after the last collection), in MB, from its /metrics.</summary>
    private static async Task<(double WorkingSet, double Heap)> MemoryAsync(HttpClient admin)
    {
        var metrics = (await admin.GetStringAsync("/metrics")).Split('\n');
        double Value(string name) =>
            metrics
                .Where(l => l.StartsWith(name, StringComparison.Ordinal))
                .Select(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture))
                .Sum()
            / 1024
            / 1024;
        return (Value("dotnet_process_memory_working_set_bytes"), Value("dotnet_gc_last_collection_heap_size_bytes"));
    }

    private static async Task<JsonNode> ReadAsync(Task<HttpResponseMessage> request)
    {
        using var response = await request;
        var text = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode
            ? JsonNode.Parse(text)!
            : throw new InvalidOperationException(
                $"{response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {text}"
            );
    }

    private static async Task<Guid> IdAsync(Task<HttpResponseMessage> request, string field) =>
        (await ReadAsync(request))[field]!.GetValue<Guid>();

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
