using Npgsql;

namespace SocialCare.Api.Infrastructure.Relay;

/// <summary>
/// Gives committed events their global sequence. Only events whose writing transaction is older than
/// every transaction still running are final (<c>tx_id &lt; pg_snapshot_xmin</c>); they are numbered in
/// (transaction, insert) order after the highest number given so far. Only the relay leader runs this,
/// and <c>events_seq</c> is unique, so numbers are gapless and never reused.
/// </summary>
internal static class EventSequencer
{
    public const string SequencedChannel = "socialcare_sequenced";

    /// <summary>Records a follower's checkpoint: ($1 = follower, $2 = the last sequence it has delivered).</summary>
    public const string SaveCheckpoint = """
        insert into event_progress (name, last_seq) values ($1, $2)
        on conflict (name) do update set last_seq = excluded.last_seq, updated_at = now()
        """;

    /// <summary>What one relay round trip did and found.</summary>
    public sealed record Round(int Sequenced, bool MorePending, List<(long Seq, Guid Id, string Type, string Data)> Events);

    /// <summary>
    /// One round trip for the relay: sequences what is final (and, if anything was, wakes the changefeed tails), reads
    /// up to <paramref name="batchSize"/> events after <paramref name="after"/>, and records <paramref name="confirmed"/>
    /// as the follower's checkpoint when given. All in one implicit transaction: the read sees the numbers just given.
    /// </summary>
    public static async Task<Round> SequenceAndReadAsync(NpgsqlConnection connection, int batchSize, long after, string follower, long? confirmed,
        CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("""
                    with pending as (
                        select id, row_number() over (order by tx_id, position) as rn
                        from events
                        where seq is null and tx_id < pg_snapshot_xmin(pg_current_snapshot())
                        order by tx_id, position
                        limit $1),
                    base as (select coalesce(max(seq), 0) as top from events where seq is not null),
                    sequenced as (
                        update events e set seq = base.top + pending.rn
                        from pending, base
                        where e.id = pending.id
                        returning e.id),
                    counted as (select count(*)::int as n from sequenced),
                    woken as (select pg_notify($2, '') from counted where n > 0)
                    -- (woken is counted only so that it runs: a CTE nobody reads is skipped)
                    select counted.n, (select count(*) from woken),
                        (select count(*) from (select 1 from events where seq is null limit $1 + 1) as unsequenced) > counted.n
                    from counted
                    """) { Parameters = { new NpgsqlParameter { Value = batchSize }, new NpgsqlParameter { Value = SequencedChannel } } },
                new NpgsqlBatchCommand("select seq, id, type, data::text from events where seq > $1 order by seq limit $2")
                {
                    Parameters = { new NpgsqlParameter { Value = after }, new NpgsqlParameter { Value = batchSize } },
                },
            },
        };
        if (confirmed is { } last)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(SaveCheckpoint) { Parameters = { new NpgsqlParameter { Value = follower }, new NpgsqlParameter { Value = last } } });
        }

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var sequenced = reader.GetInt32(0);
        var morePending = reader.GetBoolean(2);
        await reader.NextResultAsync(cancellationToken);
        var events = new List<(long Seq, Guid Id, string Type, string Data)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add((reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3)));
        }

        return new Round(sequenced, morePending, events);
    }
}
