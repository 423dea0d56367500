using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Npgsql;

namespace SocialCare.Benchmarks;

/// <summary>
/// SLA timers under load (issue 18, point 5): a workspace whose brand has a default policy gets <c>clocks</c> new
/// conversations, paced, so that all their first-response clocks run at once; each warns halfway and breaches at its
/// due time. Lateness is the time from a timer's due moment to the firing recorded in PostgreSQL (<c>warned_at -
/// warn_at</c>, <c>breached_at - due_at</c>): what a department acting on <c>sla.breached</c> waits beyond the target.
/// </summary>
internal static class TimerPhase
{
    /// <summary>The channel the hub NOTIFYs as events commit (EventStore.CommittedChannel).</summary>
    private const string CommittedChannel = "socialcare_events";

    public static async Task RunAsync(HttpClient http, string connectionString, int clocks, int rate)
    {
        var (client, workspaceId) = await ArrangeAsync(http);
        using (client)
        {
            // Every clock is running before the first warns: ingestion takes clocks / rate seconds.
            var ingest = (int)Math.Ceiling((double)clocks / rate);
            var target = 2 * ingest + 20;
            var policy = await ReadAsync(
                await client.PostAsJsonAsync(
                    "/v1/sla-policies",
                    new
                    {
                        name = "bench timers",
                        firstResponse = $"PT{target}S",
                        warnBefore = $"PT{target / 2}S",
                    }
                )
            );
            (
                await client.PutAsJsonAsync(
                    "/v1/brands/Timers",
                    new { timeZone = "UTC", defaultSlaPolicyId = policy["id"]!.GetValue<Guid>() }
                )
            ).EnsureSuccessStatusCode();
            var channel = (
                await ReadAsync(
                    await client.PostAsJsonAsync(
                        "/v1/channels",
                        new
                        {
                            type = "app-chat",
                            name = "timers",
                            brand = "Timers",
                        }
                    )
                )
            )["id"]!.GetValue<Guid>();

            var n = 0;
            var ingested = await Bench.OpenLoopAsync(
                ingest,
                rate,
                () =>
                {
                    var i = Interlocked.Increment(ref n);
                    return Bench.TimeAsync(() =>
                        client.PostAsJsonAsync(
                            "/v1/engagements",
                            new
                            {
                                channelId = channel,
                                platformMessageId = $"timer-{i}",
                                author = new { platformUserId = $"timer-customer-{i}" },
                                text = "Still waiting ⏳ — ما زلت أنتظر",
                                visibility = "public",
                                occurredAt = DateTimeOffset.UtcNow,
                            }
                        )
                    );
                }
            );
            var started = await CountAsync(connectionString, workspaceId, "true");
            var running = await WaitAsync(
                connectionString,
                workspaceId,
                "status = 'running'",
                ingested.Accepted,
                TimeSpan.FromSeconds(60)
            );
            Console.WriteLine(
                $"SLA timers: {ingested.Accepted} conversations at {rate}/s ({ingested.Failed} failed), "
                    + $"{Math.Max(started, running)} clocks running at once (target PT{target}S, warning PT{target / 2}S "
                    + "before)"
            );
            await WaitAsync(
                connectionString,
                workspaceId,
                "status = 'breached'",
                ingested.Accepted,
                TimeSpan.FromSeconds(target + 120)
            );
            var warnings = await LatenessAsync(connectionString, workspaceId, "warned_at", "warn_at");
            var breaches = await LatenessAsync(connectionString, workspaceId, "breached_at", "due_at");
            Console.WriteLine($"  warning lateness ({warnings.Count}): {Describe(warnings)}");
            Console.WriteLine($"  breach lateness ({breaches.Count}): {Describe(breaches)}");
        }
    }

    private static string Describe(List<double> ms) =>
        $"{Stats.P50P99(ms)}, max {Stats.Ms(ms.Count == 0 ? double.NaN : ms.Max())}";

    private static async Task<(HttpClient Client, Guid WorkspaceId)> ArrangeAsync(HttpClient http)
    {
        var workspace = await AdminAsync(http, "/v1/workspaces", new { name = "bench timers" });
        var workspaceId = workspace["id"]!.GetValue<Guid>();
        var key = await AdminAsync(
            http,
            $"/v1/workspaces/{workspaceId}/api-keys",
            new { name = "bench ops", scopes = new[] { "engagements:write", "channels:manage", "workflow:manage" } }
        );
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 })
        {
            BaseAddress = http.BaseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Bearer",
            key["key"]!.GetValue<string>()
        );
        return (client, workspaceId);
    }

    private static async Task<JsonNode> AdminAsync(HttpClient http, string path, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Bench.AdminKey);
        return await ReadAsync(await http.SendAsync(request));
    }

    private static async Task<JsonNode> ReadAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.EnsureSuccessStatusCode().Content.ReadAsStringAsync())!;

    private static async Task<int> WaitAsync(
        string connectionString,
        Guid workspaceId,
        string condition,
        int count,
        TimeSpan timeout
    )
    {
        // Woken by the hub's commits (it notifies on this channel as events commit), not on a fixed sleep.
        await using var listener = new NpgsqlConnection(connectionString);
        await listener.OpenAsync();
        await using (var listen = new NpgsqlCommand($"listen {CommittedChannel}", listener))
        {
            await listen.ExecuteNonQueryAsync();
        }

        var deadline = DateTime.UtcNow + timeout;
        var seen = 0;
        var most = 0;
        while (
            DateTime.UtcNow < deadline && (seen = await CountAsync(connectionString, workspaceId, condition)) < count
        )
        {
            most = Math.Max(most, seen);
            await listener.WaitAsync(TimeSpan.FromSeconds(1));
        }

        return Math.Max(most, seen);
    }

    private static async Task<int> CountAsync(string connectionString, Guid workspaceId, string condition)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"select count(*)::int from sla_clocks where workspace_id = $1 and {condition}",
            connection
        );
        command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
        return (int)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<List<double>> LatenessAsync(
        string connectionString,
        Guid workspaceId,
        string fired,
        string due
    )
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"""
            select extract(epoch from ({fired} - {due})) * 1000 from sla_clocks
            where workspace_id = $1 and {fired} is not null
            """,
            connection
        );
        command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
        var values = new List<double>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            values.Add(Convert.ToDouble(reader.GetValue(0), CultureInfo.InvariantCulture));
        }

        return values;
    }
}
