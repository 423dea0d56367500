using Npgsql;

namespace SocialCare.Api.Infrastructure.EventStore;

/// <summary>
/// The seam around the event store: a unit of work over one PostgreSQL transaction. Whatever
/// <c>work</c> appends and projects commits together; the caller hears of success only after the commit.
/// </summary>
public sealed class EventStore(NpgsqlDataSource dataSource, Relay.RelayWakeup wakeup)
{
    public async Task<T> WriteAsync<T>(Func<EventWriter, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var writer = new EventWriter(connection, transaction);
        var result = await work(writer);
        await writer.FlushForCommitAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (writer.Appended > 0)
        {
            wakeup.Pulse();
        }

        return result;
    }
}
