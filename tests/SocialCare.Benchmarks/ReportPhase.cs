extern alias hub;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using hub::SocialCare.Api.EventLog;
using hub::SocialCare.Api.Reports;
using Npgsql;
using NpgsqlTypes;

namespace SocialCare.Benchmarks;

/// <summary>
/// Report queries over a million conversations (issue 19, point 6). The report tables of a fresh workspace are loaded
/// with the rows the hub's own projection code (<see cref="ReportedEpisode"/>, <see cref="ResponseFigures"/>) makes of
/// a million synthetic conversations over 90 days — three brands, six channels, five teams, four priorities, one in
/// twelve reopened, a third rated — written with COPY rather than projected event by event, which would take the
/// phase hours. Then each report the API offers is asked for, one request at a time, over 7, 30 and 90 days, and the
/// latencies are printed. Last, what the projection costs at write time: the whole event log of the run is projected
/// again (the admin rebuild) and timed.
/// </summary>
internal static class ReportPhase
{
    private static readonly string[] Brands = ["acme", "namshi", "zeta"];
    private static readonly string[] ChannelTypes = ["whatsapp", "messenger", "instagram", "x", "whatsapp", "app-chat"];
    private static readonly string[] Teams = ["", "care", "billing", "vip", "social"];

    public static async Task RunAsync(HttpClient http, string connectionString, int conversations)
    {
        var (client, workspaceId) = await ArrangeAsync(http);
        using (client)
        {
            var end = DateTimeOffset.UtcNow;
            end = new DateTimeOffset(end.UtcDateTime.Date.AddHours(end.UtcDateTime.Hour), TimeSpan.Zero);
            var load = Stopwatch.StartNew();
            var (episodes, hours, days) = await LoadAsync(connectionString, workspaceId, conversations, end);
            Console.WriteLine(
                $"Reports: {conversations:N0} conversations ({episodes:N0} episodes) over 90 days loaded in "
                    + $"{load.Elapsed.TotalSeconds:F0} s: {hours:N0} hour buckets, {days:N0} day buckets"
            );

            string Range(int d) => $"from={end.AddDays(-d):yyyy-MM-ddTHH:mm:ssZ}&to={end:yyyy-MM-ddTHH:mm:ssZ}";
            var queries = new List<(string Name, string Path)>();
            foreach (var d in new[] { 7, 30, 90 })
            {
                queries.Add(($"response-times {d}d", $"response-times?{Range(d)}"));
                queries.Add(($"response-times {d}d by channelType", $"response-times?{Range(d)}&groupBy=channelType"));
                queries.Add(
                    (
                        $"response-times {d}d by team, business",
                        $"response-times?{Range(d)}&groupBy=team&businessHours=true"
                    )
                );
                queries.Add(
                    (
                        $"response-times {d}d by day (Riyadh)",
                        $"response-times?{Range(d)}&groupBy=day&timeZone=Asia/Riyadh"
                    )
                );
                queries.Add(
                    ($"volume {d}d per day by channelType", $"volume?{Range(d)}&interval=day&groupBy=channelType")
                );
                queries.Add(($"feedback {d}d by brand", $"feedback?{Range(d)}&groupBy=brand"));
            }

            queries.Add(("response-times 90d by channel", $"response-times?{Range(90)}&groupBy=channel"));
            queries.Add(
                (
                    "response-times 90d by week (Kolkata)",
                    $"response-times?{Range(90)}&groupBy=week&timeZone=Asia/Kolkata"
                )
            );
            queries.Add(("volume 7d per hour", $"volume?{Range(7)}&interval=hour"));
            queries.Add(("response-times 30d as CSV", $"response-times?{Range(30)}&groupBy=priority&csv"));

            var all = new List<double>();
            foreach (var (name, path) in queries)
            {
                var latencies = new List<double>();
                for (var i = 0; i < 25; i++)
                {
                    var ms = await TimeAsync(client, path);
                    if (i >= 3)
                    {
                        latencies.Add(ms);
                    }
                }

                all.AddRange(latencies);
                Console.WriteLine($"  {name, -44} {Stats.P50P99(latencies)}, max {Stats.Ms(latencies.Max())}");
            }

            Console.WriteLine($"  every report query ({all.Count}): {Stats.P50P99(all)}, max {Stats.Ms(all.Max())}");
        }

        await RebuildAsync(http, connectionString);
    }

    private static async Task<double> TimeAsync(HttpClient client, string path)
    {
        var csv = path.EndsWith("&csv", StringComparison.Ordinal);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/reports/" + (csv ? path[..^4] : path));
        if (csv)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        }

        var watch = Stopwatch.StartNew();
        using var response = await client.SendAsync(request);
        await response.EnsureSuccessStatusCode().Content.ReadAsByteArrayAsync();
        return watch.Elapsed.TotalMilliseconds;
    }

    /// <summary>The projection's cost: every event of the run projected again, timed until the reports catch up.</summary>
    private static async Task RebuildAsync(HttpClient http, string connectionString)
    {
        long events;
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var count = new NpgsqlCommand(
                "select count(*) from mt_events where type = any($1)",
                connection
            );
            count.Parameters.Add(new NpgsqlParameter { Value = ReportProjector.Followed });
            events = (long)(await count.ExecuteScalarAsync())!;
        }

        // Woken by the projector's announcements as its checkpoint moves (LogFollower.AdvancedChannel), not on a
        // fixed sleep; the second's timeout is only a safety net.
        await using var probe = new NpgsqlConnection(connectionString);
        await probe.OpenAsync();
        await using (var listen = new NpgsqlCommand($"listen {LogFollower.AdvancedChannel}", probe))
        {
            await listen.ExecuteNonQueryAsync();
        }

        var watch = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/admin/reports/rebuild");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Bench.AdminKey);
        var head = JsonNode.Parse(
            await (await http.SendAsync(request)).EnsureSuccessStatusCode().Content.ReadAsStringAsync()
        )!["head"]!.GetValue<long>();
        while (true)
        {
            await using (
                var command = new NpgsqlCommand(
                    "select last_seq_id from mt_event_progression where name = 'reports'",
                    probe
                )
            )
            {
                if ((long)(await command.ExecuteScalarAsync())! >= head)
                {
                    break;
                }
            }

            await probe.WaitAsync(TimeSpan.FromSeconds(1));
        }

        var seconds = watch.Elapsed.TotalSeconds;
        Console.WriteLine(
            $"  projection (rebuild of the run's log): {events:N0} events in {seconds:F1} s, "
                + $"{events / seconds:N0} events/s"
        );
    }

    /// <summary>Writes the report rows of <paramref name="conversations"/> synthetic conversations; answers how many
    /// episodes, hour buckets and day buckets.</summary>
    private static async Task<(int Episodes, int Hours, int Days)> LoadAsync(
        string connectionString,
        Guid workspaceId,
        int conversations,
        DateTimeOffset end
    )
    {
        var random = new Random(19);
        var channels = Enumerable.Range(0, ChannelTypes.Length).Select(_ => Guid.CreateVersion7()).ToArray();
        var buckets = new Dictionary<BucketKey, ResponseFigures>();
        var volume = new Dictionary<(DateTimeOffset, string, string, string), long[]>();
        var feedback = new Dictionary<(DateTimeOffset, string, string, string, string, string), (long, long, long[])>();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var episodes = 0;
        await using (
            var writer = await connection.BeginBinaryImportAsync(
                """
                copy report_episodes (conversation_id, episode, workspace_id, started_at, brand, channel_type,
                    channel_id, team, priority, acknowledged_at, acknowledge_business_ms, responded_at,
                    respond_business_ms, resolved_at, resolve_business_ms, replies, reopened_later, sla)
                from stdin (format binary)
                """
            )
        )
        {
            for (var i = 0; i < conversations; i++)
            {
                var channel = random.Next(channels.Length);
                var brand = Brands[channel % Brands.Length];
                var team = Teams[random.Next(Teams.Length)];
                var p = random.NextDouble();
                var priority =
                    p < 0.7 ? "normal"
                    : p < 0.9 ? "high"
                    : p < 0.97 ? "low"
                    : "urgent";
                var start = end.AddSeconds(-random.NextDouble() * 90 * 86_400);
                var id = Guid.CreateVersion7();
                var reopened = random.NextDouble() < 1.0 / 12;
                for (var number = 1; number <= (reopened ? 2 : 1); number++)
                {
                    var started = number == 1 ? start : start.AddHours(30);
                    if (started >= end)
                    {
                        break;
                    }

                    var episode = new ReportedEpisode
                    {
                        ConversationId = id,
                        Number = number,
                        WorkspaceId = workspaceId,
                        StartedAt = started,
                        Brand = brand,
                        ChannelType = ChannelTypes[channel],
                        ChannelId = channels[channel],
                        Team = team,
                        Priority = priority,
                        ReopenedLater = reopened && number == 1,
                    };
                    Wait(
                        random,
                        0.9,
                        started,
                        end,
                        600,
                        (at, ms) => (episode.AcknowledgedAt, episode.AcknowledgeBusinessMs) = (at, ms)
                    );
                    Wait(
                        random,
                        0.95,
                        started,
                        end,
                        1_200,
                        (at, ms) => (episode.RespondedAt, episode.RespondBusinessMs) = (at, ms)
                    );
                    if (episode.RespondedAt is not null)
                    {
                        episode.Replies = 1 + random.Next(3);
                        Wait(
                            random,
                            0.85,
                            episode.RespondedAt.Value,
                            end,
                            21_600,
                            (at, ms) =>
                                (episode.ResolvedAt, episode.ResolveBusinessMs) = (
                                    at,
                                    ms + (episode.RespondBusinessMs ?? 0)
                                )
                        );
                        episode.Sla[random.NextDouble() < 0.9 ? 0 : 1]++;
                    }

                    var figures = episode.Figures();
                    foreach (var key in episode.Buckets())
                    {
                        if (!buckets.TryGetValue(key, out var bucket))
                        {
                            buckets[key] = bucket = new ResponseFigures();
                        }

                        bucket.Add(figures, 1);
                    }

                    await WriteEpisodeAsync(writer, episode);
                    episodes++;
                    var hour = ReportPeriods.Hour(started);
                    var visibility = ChannelTypes[channel] is "x" or "instagram" ? "public" : "private";
                    var counts = volume.TryGetValue((hour, brand, ChannelTypes[channel], visibility), out var c)
                        ? c
                        : volume[(hour, brand, ChannelTypes[channel], visibility)] = new long[3];
                    counts[0] += 1 + random.Next(3);
                    counts[1] += episode.Replies;
                    counts[2] += number == 1 && random.NextDouble() < 0.4 ? 1 : 0;
                }

                if (random.NextDouble() < 1.0 / 3)
                {
                    var kind = random.NextDouble() < 0.7 ? "csat" : "nps";
                    var score = kind == "csat" ? 1 + random.Next(5) : random.Next(11);
                    var key = (
                        ReportPeriods.Hour(start.AddHours(2)),
                        brand,
                        ChannelTypes[channel],
                        channels[channel].ToString(),
                        team,
                        kind
                    );
                    var (n, sum, distribution) = feedback.GetValueOrDefault(key, (0, 0, new long[11]));
                    distribution[score]++;
                    feedback[key] = (n + 1, sum + score, distribution);
                }
            }

            await writer.CompleteAsync();
        }

        foreach (var (table, daily) in new[] { ("report_response_hours", false), ("report_response_days", true) })
        {
            await using var writer = await connection.BeginBinaryImportAsync(
                $"copy {table} (workspace_id, period, brand, dimension, value, counts, sums, sketches) from stdin (format binary)"
            );
            // In time order, as the projection writes them.
            foreach (var (key, figures) in buckets.Where(b => b.Key.Daily == daily).OrderBy(b => b.Key.Period))
            {
                await writer.StartRowAsync();
                await writer.WriteAsync(key.WorkspaceId, NpgsqlDbType.Uuid);
                await writer.WriteAsync(key.Period, NpgsqlDbType.TimestampTz);
                await writer.WriteAsync(key.Brand, NpgsqlDbType.Text);
                await writer.WriteAsync(key.Dimension, NpgsqlDbType.Text);
                await writer.WriteAsync(key.Value, NpgsqlDbType.Text);
                await writer.WriteAsync(figures.Counts, NpgsqlDbType.Array | NpgsqlDbType.Bigint);
                await writer.WriteAsync(figures.SumsMs, NpgsqlDbType.Array | NpgsqlDbType.Bigint);
                await writer.WriteAsync(figures.EncodeSketches(), NpgsqlDbType.Bytea);
            }

            await writer.CompleteAsync();
        }

        await using (
            var writer = await connection.BeginBinaryImportAsync(
                "copy report_volume (workspace_id, period, brand, channel_type, visibility, inbound, outbound, "
                    + "new_customers) from stdin (format binary)"
            )
        )
        {
            foreach (var ((period, brand, type, visibility), counts) in volume.OrderBy(v => v.Key.Item1))
            {
                await writer.WriteRowAsync(
                    default,
                    workspaceId,
                    period,
                    brand,
                    type,
                    visibility,
                    counts[0],
                    counts[1],
                    counts[2]
                );
            }

            await writer.CompleteAsync();
        }

        await using (
            var writer = await connection.BeginBinaryImportAsync(
                "copy report_feedback (workspace_id, period, brand, channel_type, channel_id, team, kind, responses, "
                    + $"score_sum, {ReportPeriods.FeedbackScores}) from stdin (format binary)"
            )
        )
        {
            foreach (
                var ((period, brand, type, channel, team, kind), (n, sum, distribution)) in feedback.OrderBy(f =>
                    f.Key.Item1
                )
            )
            {
                await writer.WriteRowAsync(
                    default,
                    [workspaceId, period, brand, type, channel, team, kind, n, sum, .. distribution.Cast<object?>()]
                );
            }

            await writer.CompleteAsync();
        }

        await using (
            var analyze = new NpgsqlCommand(
                "vacuum (analyze) report_episodes, report_response_hours, "
                    + "report_response_days, report_volume, report_feedback",
                connection
            )
        )
        {
            analyze.CommandTimeout = 600;
            await analyze.ExecuteNonQueryAsync();
        }

        return (episodes, buckets.Keys.Count(k => !k.Daily), buckets.Keys.Count(k => k.Daily));
    }

    /// <summary>With probability <paramref name="chance"/>, a wait of about <paramref name="medianSeconds"/>
    /// (log-normal) from <paramref name="from"/>, ended before <paramref name="end"/>; its business part is about
    /// 40% of it.</summary>
    private static void Wait(
        Random random,
        double chance,
        DateTimeOffset from,
        DateTimeOffset end,
        double medianSeconds,
        Action<DateTimeOffset, long> set
    )
    {
        if (random.NextDouble() >= chance)
        {
            return;
        }

        var normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var seconds = medianSeconds * Math.Exp(1.2 * normal);
        var at = from.AddSeconds(seconds);
        if (at < end)
        {
            set(at, (long)(seconds * 400));
        }
    }

    private static async Task WriteEpisodeAsync(NpgsqlBinaryImporter writer, ReportedEpisode e)
    {
        await writer.StartRowAsync();
        await writer.WriteAsync(e.ConversationId, NpgsqlDbType.Uuid);
        await writer.WriteAsync(e.Number, NpgsqlDbType.Integer);
        await writer.WriteAsync(e.WorkspaceId, NpgsqlDbType.Uuid);
        await writer.WriteAsync(e.StartedAt, NpgsqlDbType.TimestampTz);
        await writer.WriteAsync(e.Brand, NpgsqlDbType.Text);
        await writer.WriteAsync(e.ChannelType, NpgsqlDbType.Text);
        await writer.WriteAsync(e.ChannelId, NpgsqlDbType.Uuid);
        await writer.WriteAsync(e.Team, NpgsqlDbType.Text);
        await writer.WriteAsync(e.Priority, NpgsqlDbType.Text);
        await WriteNullableAsync(writer, e.AcknowledgedAt, NpgsqlDbType.TimestampTz);
        await WriteNullableAsync(writer, e.AcknowledgeBusinessMs, NpgsqlDbType.Bigint);
        await WriteNullableAsync(writer, e.RespondedAt, NpgsqlDbType.TimestampTz);
        await WriteNullableAsync(writer, e.RespondBusinessMs, NpgsqlDbType.Bigint);
        await WriteNullableAsync(writer, e.ResolvedAt, NpgsqlDbType.TimestampTz);
        await WriteNullableAsync(writer, e.ResolveBusinessMs, NpgsqlDbType.Bigint);
        await writer.WriteAsync(e.Replies, NpgsqlDbType.Integer);
        await writer.WriteAsync(e.ReopenedLater, NpgsqlDbType.Boolean);
        await writer.WriteAsync(e.Sla, NpgsqlDbType.Array | NpgsqlDbType.Integer);
    }

    private static async Task WriteNullableAsync<T>(NpgsqlBinaryImporter writer, T? value, NpgsqlDbType type)
        where T : struct
    {
        if (value is { } v)
        {
            await writer.WriteAsync(v, type);
        }
        else
        {
            await writer.WriteNullAsync();
        }
    }

    private static async Task<(HttpClient Client, Guid WorkspaceId)> ArrangeAsync(HttpClient http)
    {
        using var create = new HttpRequestMessage(HttpMethod.Post, "/v1/workspaces")
        {
            Content = JsonContent.Create(new { name = "bench reports" }),
        };
        create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Bench.AdminKey);
        var workspaceId = JsonNode.Parse(
            await (await http.SendAsync(create)).EnsureSuccessStatusCode().Content.ReadAsStringAsync()
        )!["id"]!.GetValue<Guid>();
        using var key = new HttpRequestMessage(HttpMethod.Post, $"/v1/workspaces/{workspaceId}/api-keys")
        {
            Content = JsonContent.Create(new { name = "bench reports", scopes = new[] { "reports:read" } }),
        };
        key.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Bench.AdminKey);
        var secret = JsonNode.Parse(
            await (await http.SendAsync(key)).EnsureSuccessStatusCode().Content.ReadAsStringAsync()
        )!["key"]!.GetValue<string>();
        var client = new HttpClient { BaseAddress = http.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return (client, workspaceId);
    }
}
