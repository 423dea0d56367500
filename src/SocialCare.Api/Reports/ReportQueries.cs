using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using SocialCare.Contracts;

namespace SocialCare.Api.Reports;

/// <summary>What a report covers: the workspace, the brands a key may see (null: all), [from, to) on whole hours
/// (UTC), and the time zone days and weeks are counted in.</summary>
public sealed record ReportScope(
    Guid WorkspaceId,
    IReadOnlyList<string>? Brands,
    DateTimeOffset From,
    DateTimeOffset To,
    TimeZoneInfo Zone
);

/// <summary>
/// Reads reports from the pre-aggregated buckets the projection keeps: response times from the hour (UTC) buckets, or
/// for a grouping that is not by time from the day buckets for the whole UTC days of the range and the hour buckets
/// for its ends; volume and feedback from hour buckets. Every figure is a sum over buckets, and percentiles are read
/// from the merged sketches, so a report costs the number of buckets in its range, not the number of conversations.
/// </summary>
public sealed class ReportQueries(NpgsqlDataSource dataSource)
{
    public static readonly string[] ResponseGroupings =
    [
        "channelType",
        "channel",
        "brand",
        "team",
        "priority",
        "day",
        "week",
    ];
    public static readonly string[] VolumeGroupings = ["channelType", "brand", "visibility"];
    public static readonly string[] FeedbackGroupings =
    [
        "kind",
        "channelType",
        "channel",
        "brand",
        "team",
        "day",
        "week",
    ];

    public async Task<ResponseTimesReport> ResponseTimesAsync(
        ReportScope scope,
        string? groupBy,
        bool businessHours,
        CancellationToken ct
    )
    {
        var dimension = groupBy switch
        {
            "channelType" => Dimensions.ChannelType,
            "channel" => Dimensions.Channel,
            "team" => Dimensions.Team,
            "priority" => Dimensions.Priority,
            _ => Dimensions.All,
        };
        var byTime = groupBy is "day" or "week";
        var ranges = new List<(string Table, DateTimeOffset From, DateTimeOffset To)>();
        var firstDay = Ceiling(scope.From);
        var lastDay = Floor(scope.To);
        if (byTime || firstDay >= lastDay)
        {
            ranges.Add(("report_response_hours", scope.From, scope.To));
        }
        else
        {
            ranges.Add(("report_response_hours", scope.From, firstDay));
            ranges.Add(("report_response_days", firstDay, lastDay));
            ranges.Add(("report_response_hours", lastDay, scope.To));
        }

        var groups = new Dictionary<string, ReportTotals>(StringComparer.Ordinal);
        if (byTime)
        {
            foreach (var period in Periods(scope, groupBy!))
            {
                groups[period] = new ReportTotals(businessHours);
            }
        }

        var total = new ReportTotals(businessHours);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        foreach (var (table, from, to) in ranges.Where(r => r.From < r.To))
        {
            await using var command = new NpgsqlCommand(
                $"""
                select period, brand, value, counts, sums, sketches from {table}
                where workspace_id = $1 and dimension = $2 and period >= $3 and period < $4
                    and ($5::text[] is null or brand = any($5))
                """,
                connection
            );
            AddScope(command, scope, from, to);
            command.Parameters.Insert(1, new NpgsqlParameter { Value = dimension });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var counts = reader.GetFieldValue<long[]>(3);
                var sums = reader.GetFieldValue<long[]>(4);
                var sketches = reader.GetFieldValue<byte[]>(5);
                var key = groupBy switch
                {
                    null => null,
                    "brand" => reader.GetString(1),
                    "day" or "week" => PeriodKey(reader.GetFieldValue<DateTimeOffset>(0), scope.Zone, groupBy),
                    _ => reader.GetString(2),
                };
                if (key is not null)
                {
                    if (!groups.TryGetValue(key, out var group))
                    {
                        groups[key] = group = new ReportTotals(businessHours);
                    }

                    group.AddStored(counts, sums, sketches);
                }

                total.AddStored(counts, sums, sketches);
            }
        }

        return new ResponseTimesReport(
            scope.From,
            scope.To,
            scope.Zone.Id,
            businessHours,
            groupBy,
            await FreshnessAsync(connection, ct),
            [.. groups.OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => Row(g.Key, g.Value))],
            Row(null, total)
        );
    }

    public async Task<VolumeReport> VolumeAsync(
        ReportScope scope,
        string interval,
        string? groupBy,
        CancellationToken ct
    )
    {
        var rows = new Dictionary<(DateTimeOffset Start, string? Key), long[]>();
        var total = new long[3];
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using (
            var command = new NpgsqlCommand(
                """
                select period, brand, channel_type, visibility, inbound, outbound, new_customers from report_volume
                where workspace_id = $1 and period >= $2 and period < $3 and ($4::text[] is null or brand = any($4))
                """,
                connection
            )
        )
        {
            AddScope(command, scope, scope.From, scope.To);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var start = IntervalStart(reader.GetFieldValue<DateTimeOffset>(0), scope.Zone, interval);
                var key = groupBy switch
                {
                    "brand" => reader.GetString(1),
                    "channelType" => reader.GetString(2),
                    "visibility" => reader.GetString(3),
                    _ => null,
                };
                if (!rows.TryGetValue((start, key), out var counts))
                {
                    rows[(start, key)] = counts = new long[3];
                }

                for (var i = 0; i < 3; i++)
                {
                    counts[i] += reader.GetInt64(4 + i);
                    total[i] += reader.GetInt64(4 + i);
                }
            }
        }

        // Every interval of the range is listed, for each group that has figures in it: a chart needs the zeros.
        var keys = rows.Keys.Select(k => k.Key).Distinct().ToList();
        if (keys.Count == 0)
        {
            keys.Add(null);
        }

        foreach (var start in Intervals(scope, interval))
        {
            foreach (var key in keys)
            {
                rows.TryAdd((start, key), new long[3]);
            }
        }

        return new VolumeReport(
            scope.From,
            scope.To,
            scope.Zone.Id,
            interval,
            groupBy,
            await FreshnessAsync(connection, ct),
            [
                .. rows.OrderBy(r => r.Key.Start)
                    .ThenBy(r => r.Key.Key, StringComparer.Ordinal)
                    .Select(r => new VolumeRow(r.Key.Start, r.Key.Key, r.Value[0], r.Value[1], r.Value[2])),
            ],
            new VolumeRow(ToZone(scope.From, scope.Zone), null, total[0], total[1], total[2])
        );
    }

    public async Task<FeedbackReport> FeedbackAsync(ReportScope scope, string? groupBy, CancellationToken ct)
    {
        // Feedback has no sketches: PostgreSQL sums the buckets, so a report ships one row per kind and group.
        var group = groupBy switch
        {
            "brand" => "brand",
            "channelType" => "channel_type",
            "channel" => "channel_id",
            "team" => "team",
            "day" => "to_char((period at time zone $5)::date, 'YYYY-MM-DD')",
            "week" => "to_char(date_trunc('week', period at time zone $5)::date, 'YYYY-MM-DD')",
            _ => "''",
        };
        var distribution = string.Join(", ", Enumerable.Range(0, 11).Select(i => $"sum(score_{i})::bigint"));
        var groups = new List<(string Kind, string? Key, (long Responses, long Sum, long[] Counts) Figures)>();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using (
            var command = new NpgsqlCommand(
                $"""
                select kind, {group}, sum(responses)::bigint, sum(score_sum)::bigint, {distribution}
                from report_feedback
                where workspace_id = $1 and period >= $2 and period < $3 and ($4::text[] is null or brand = any($4))
                group by 1, 2
                """,
                connection
            )
        )
        {
            AddScope(command, scope, scope.From, scope.To);
            command.Parameters.Add(new NpgsqlParameter { Value = scope.Zone.Id });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var counts = new long[11];
                for (var i = 0; i < counts.Length; i++)
                {
                    counts[i] = reader.GetInt64(4 + i);
                }

                groups.Add(
                    (
                        reader.GetString(0),
                        groupBy is null ? null : reader.GetString(1),
                        (reader.GetInt64(2), reader.GetInt64(3), counts)
                    )
                );
            }
        }

        return new FeedbackReport(
            scope.From,
            scope.To,
            scope.Zone.Id,
            groupBy,
            await FreshnessAsync(connection, ct),
            [
                .. groups
                    .OrderBy(g => FeedbackKinds.All.ToList().IndexOf(g.Kind))
                    .ThenBy(g => g.Key, StringComparer.Ordinal)
                    .Select(g => FeedbackRowOf(g.Kind, g.Key, g.Figures)),
            ]
        );
    }

    private static FeedbackRow FeedbackRowOf(string kind, string? key, (long Responses, long Sum, long[] Counts) g)
    {
        var (min, max) = FeedbackKinds.Scale(kind);
        double Share(int from, int to) =>
            g.Responses == 0 ? 0 : (double)g.Counts[from..(to + 1)].Sum() / g.Responses * 100;
        double? score =
            g.Responses == 0
                ? null
                : Math.Round(
                    kind switch
                    {
                        FeedbackKinds.Csat => Share(4, 5),
                        FeedbackKinds.Nps => Share(9, 10) - Share(0, 6),
                        FeedbackKinds.Nes => Share(5, 7) - Share(1, 3),
                        _ => Share(5, 7),
                    },
                    2
                );
        return new FeedbackRow(
            kind,
            NullIfEmpty(key),
            g.Responses,
            g.Responses == 0 ? null : Math.Round((double)g.Sum / g.Responses, 4),
            score,
            Enumerable
                .Range(min, max - min + 1)
                .ToDictionary(s => s.ToString(CultureInfo.InvariantCulture), s => g.Counts[s])
        );
    }

    private static ResponseTimeRow Row(string? key, ReportTotals f)
    {
        var business = f.Business;
        DurationFigures Duration(Series wall, Series inBusiness, Counter counter)
        {
            var series = business ? inBusiness : wall;
            var count = f[counter];
            return new DurationFigures(
                count,
                count == 0 ? null : Math.Round(f.SumsMs[(int)series] / 1000.0 / count, 3),
                f.Percentile(series, 0.5),
                f.Percentile(series, 0.9),
                f.Percentile(series, 0.99)
            );
        }

        var episodes = f[Counter.Opened] + f[Counter.Reopened];
        double? Share(long count, long of) => of == 0 ? null : Math.Round((double)count / of, 4);
        return new ResponseTimeRow(
            NullIfEmpty(key),
            f[Counter.Opened],
            f[Counter.Reopened],
            f[Counter.Acknowledged],
            f[Counter.Responded],
            f[Counter.Resolved],
            Duration(Series.Acknowledge, Series.AcknowledgeBusiness, Counter.Acknowledged),
            Duration(Series.Respond, Series.RespondBusiness, Counter.Responded),
            Duration(Series.Resolve, Series.ResolveBusiness, Counter.Resolved),
            new AnsweredWithin(
                Share(f[business ? Counter.Within15BusinessMinutes : Counter.Within15Minutes], episodes),
                Share(f[business ? Counter.WithinBusinessHour : Counter.WithinHour], episodes),
                Share(f[business ? Counter.WithinBusinessDay : Counter.WithinDay], episodes)
            ),
            new FirstContactResolution(
                f[Counter.FirstContactResolved],
                Share(f[Counter.FirstContactResolved], f[Counter.FirstEpisodesResolved])
            ),
            new SlaOutcomes(
                new SlaOutcome(f[Counter.FirstResponseMet], f[Counter.FirstResponseBreached]),
                new SlaOutcome(f[Counter.NextResponseMet], f[Counter.NextResponseBreached]),
                new SlaOutcome(f[Counter.ResolutionMet], f[Counter.ResolutionBreached])
            )
        );
    }

    private static string? NullIfEmpty(string? key) => string.IsNullOrEmpty(key) ? null : key;

    private static void AddScope(NpgsqlCommand command, ReportScope scope, DateTimeOffset from, DateTimeOffset to)
    {
        command.Parameters.Add(new NpgsqlParameter { Value = scope.WorkspaceId });
        command.Parameters.Add(new NpgsqlParameter { Value = from });
        command.Parameters.Add(new NpgsqlParameter { Value = to });
        command.Parameters.Add(
            new NpgsqlParameter
            {
                Value = (object?)scope.Brands?.ToArray() ?? DBNull.Value,
                NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text,
            }
        );
    }

    private static async Task<ReportFreshness> FreshnessAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            """
            select coalesce((select last_seq_id from mt_event_progression where name = $1), 0),
                (select coalesce(max(seq_id), 0) from mt_events)
            """,
            connection
        );
        command.Parameters.Add(new NpgsqlParameter { Value = ReportProjector.Follower });
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var sequence = reader.GetInt64(0);
        return new ReportFreshness(sequence, Math.Max(0, reader.GetInt64(1) - sequence));
    }

    private static DateTimeOffset Floor(DateTimeOffset at) => new(at.UtcDateTime.Date, TimeSpan.Zero);

    private static DateTimeOffset Ceiling(DateTimeOffset at) => Floor(at) == at ? at : Floor(at).AddDays(1);

    public static DateTimeOffset ToZone(DateTimeOffset at, TimeZoneInfo zone) => TimeZoneInfo.ConvertTime(at, zone);

    /// <summary>The day (<c>yyyy-MM-dd</c>) or the week (its Monday) an hour bucket falls in, in the zone.</summary>
    private static string PeriodKey(DateTimeOffset hour, TimeZoneInfo zone, string groupBy)
    {
        var date = DateOnly.FromDateTime(ToZone(hour, zone).DateTime);
        if (groupBy == "week")
        {
            date = date.AddDays(-(((int)date.DayOfWeek + 6) % 7));
        }

        return date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    }

    private static IEnumerable<string> Periods(ReportScope scope, string groupBy) =>
        HoursOf(scope).Select(h => PeriodKey(h, scope.Zone, groupBy)).Distinct();

    private static IEnumerable<DateTimeOffset> HoursOf(ReportScope scope)
    {
        for (var hour = scope.From; hour < scope.To; hour = hour.AddHours(1))
        {
            yield return hour;
        }
    }

    /// <summary>The start of the interval an hour bucket falls in, as a time in the zone.</summary>
    private static DateTimeOffset IntervalStart(DateTimeOffset hour, TimeZoneInfo zone, string interval)
    {
        var local = ToZone(hour, zone);
        if (interval == "hour")
        {
            return local;
        }

        var midnight = local.DateTime.Date;
        // A day that starts in a gap of the zone's clock (a DST change at midnight) starts at its first valid time.
        while (zone.IsInvalidTime(midnight))
        {
            midnight = midnight.AddMinutes(30);
        }

        return new DateTimeOffset(midnight, zone.GetUtcOffset(midnight));
    }

    private static IEnumerable<DateTimeOffset> Intervals(ReportScope scope, string interval) =>
        HoursOf(scope).Select(h => IntervalStart(h, scope.Zone, interval)).Distinct();
}
