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

    public static async Task<(int Sequenced, bool MorePending)> SequenceAsync(NpgsqlConnection connection, int batchSize, CancellationToken cancellationToken)
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
                    base as (select coalesce(max(seq), 0) as top from events where seq is not null)
                    update events e set seq = base.top + pending.rn
                    from pending, base
                    where e.id = pending.id
                    """) { Parameters = { new NpgsqlParameter { Value = batchSize } } },
                new NpgsqlBatchCommand("select exists (select 1 from events where seq is null)"),
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var sequenced = reader.RecordsAffected;
        await reader.ReadAsync(cancellationToken);
        var morePending = reader.GetBoolean(0);
        return (sequenced, morePending);
    }
}
