using System.Text.Json.Nodes;
using Npgsql;
using SocialCare.Api.Privacy;

namespace SocialCare.Api.EventLog.Changefeed;

/// <summary>One event as the changefeed shows it. <c>subject</c> is the conversation (or, for customer events, the
/// customer).</summary>
public sealed record FeedItem(long Sequence, Guid Id, string Type, DateTimeOffset Time, string Subject, JsonNode Data);

public sealed record FeedPage(IReadOnlyList<FeedItem> Items, long Next);

/// <summary>
/// Reads the workspace's events in global sequence order. Only sequenced events are visible, and sequence numbers are
/// given only to final events, so a reader that resumes from its last sequence misses nothing.
/// </summary>
public sealed class EventFeed(NpgsqlDataSource dataSource)
{
    /// <summary>Every brand's events ($1 workspace, $2 after, $3 exact types, $4 type prefixes, $5 limit): the
    /// (workspace, sequence) index.</summary>
    internal const string EveryBrand = """
        select seq_id, id, type, coalesce((data ->> 'recordedAt')::timestamptz, timestamp), stream_id, data::text from
            mt_events
        where tenant_id = $1 and seq_id > $2 and ($3::text[] is null or type = any($3) or type like any($4))
        order by seq_id limit $5
        """;

    /// <summary>
    /// The events of brands <c>$6</c> (the rest as in <see cref="EveryBrand"/>): one range scan of the (workspace,
    /// brand, sequence) index per brand (migration 0023), each stopping at the page size, merged in sequence order —
    /// instead of a walk over every event of the workspace after the cursor, filtering out other brands'. "brand = b
    /// and seq > $2" is written as a row comparison ordered by (brand, seq), which only that index can serve: with a
    /// plain equality the planner, which cannot know how rare a brand is in a prepared statement, walked the sequence
    /// index instead.
    /// </summary>
    internal const string SomeBrands = """
        select e.seq_id, e.id, e.type, coalesce((e.data ->> 'recordedAt')::timestamptz, e.timestamp), e.stream_id,
            e.data::text
        from (select distinct unnest($6::text[]) as brand) b
        cross join lateral (
            select seq_id, id, type, stream_id, data, timestamp from mt_events
            where tenant_id = $1 and (data ->> 'brand', seq_id) > (b.brand, $2) and data ->> 'brand' <= b.brand
              and ($3::text[] is null or type = any($3) or type like any($4))
            order by data ->> 'brand', seq_id limit $5) e
        order by e.seq_id limit $5
        """;

    /// <summary>The page after <paramref name="after"/>; with <paramref name="brands"/>, only events of those brands
    /// (never those without a brand); with <paramref name="view"/>, personal fields as that view shows them.</summary>
    public async Task<IReadOnlyList<FeedItem>> ReadAsync(
        Guid workspaceId,
        long after,
        IReadOnlyList<string>? types,
        IReadOnlyList<string>? brands,
        int limit,
        PiiView? view,
        CancellationToken ct
    )
    {
        var (exact, prefixes) = SplitTypes(types);
        await using var command = dataSource.CreateCommand(brands is null ? EveryBrand : SomeBrands);
        command.Parameters.Add(new NpgsqlParameter { Value = MartenEventStore.TenantOf(workspaceId) });
        command.Parameters.Add(new NpgsqlParameter { Value = after });
        command.Parameters.Add(new NpgsqlParameter<string[]?> { TypedValue = exact });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = prefixes ?? [] });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        if (brands is not null)
        {
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = brands.ToArray() });
        }

        await using var reader = await command.ExecuteReaderAsync(ct);
        var items = new List<FeedItem>();
        while (await reader.ReadAsync(ct))
        {
            var seq = reader.GetInt64(0);
            var data = JsonNode.Parse(reader.GetString(5))!.AsObject();
            data["sequence"] = seq;
            if (view is not null && EventTypeRegistry.TryGetType(reader.GetString(2), out var contract))
            {
                EventRedaction.Apply(data, contract, view);
            }

            items.Add(
                new FeedItem(
                    seq,
                    reader.GetGuid(1),
                    reader.GetString(2),
                    reader.GetFieldValue<DateTimeOffset>(3),
                    reader.GetGuid(4).ToString(),
                    data
                )
            );
        }

        return items;
    }

    /// <summary><c>conversation.*</c> style wildcards become LIKE prefixes; <c>*</c> (or nothing) means every
    /// type.</summary>
    internal static (string[]? Exact, string[]? Prefixes) SplitTypes(IReadOnlyList<string>? types)
    {
        var cleaned = types
            ?.SelectMany(t => t.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .ToList();
        if (cleaned is null || cleaned.Count == 0 || cleaned.Contains("*"))
        {
            return (null, null);
        }

        return (
            cleaned.Where(t => !t.EndsWith(".*", StringComparison.Ordinal)).ToArray(),
            cleaned
                .Where(t => t.EndsWith(".*", StringComparison.Ordinal))
                .Select(t => t[..^1].Replace("_", "\\_", StringComparison.Ordinal) + "%")
                .ToArray()
        );
    }
}
