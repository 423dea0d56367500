using Npgsql;

namespace SocialCare.Api.Infrastructure.Telemetry;

/// <summary>How far the relay is behind the log: events committed but not yet confirmed by the broker, and how long the
/// oldest of them has waited.</summary>
public sealed record RelayLagFigures(long Head, long Checkpoint, TimeSpan OldestWaiting)
{
    public long Events => Math.Max(0, Head - Checkpoint);
}

/// <summary>Measures the relay's lag from the log and its checkpoint (one round trip, two index probes).</summary>
public sealed class RelayLag(NpgsqlDataSource dataSource)
{
    public async Task<RelayLagFigures> MeasureAsync(CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            """
            with checkpoint as (
                select coalesce((select last_seq_id from mt_event_progression where name = $1), 0) as seq)
            select coalesce((select max(seq_id) from mt_events), 0), checkpoint.seq,
                coalesce(extract(epoch from now() - (
                    select timestamp from mt_events where seq_id > checkpoint.seq order by seq_id limit 1)), 0)
            from checkpoint
            """
        );
        command.Parameters.Add(new NpgsqlParameter { Value = EventLog.Relay.EventRelay.Follower });
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new RelayLagFigures(
            reader.GetInt64(0),
            reader.GetInt64(1),
            TimeSpan.FromSeconds(Math.Max(0, (double)reader.GetDecimal(2)))
        );
    }
}
