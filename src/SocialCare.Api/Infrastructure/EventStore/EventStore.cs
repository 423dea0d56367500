using Npgsql;

namespace SocialCare.Api.Infrastructure.EventStore;

/// <summary>
/// The seam around the event store: a unit of work over one PostgreSQL transaction. Whatever
/// <c>work</c> appends and projects commits together; the caller hears of success only after the commit.
/// </summary>
public sealed class EventStore(NpgsqlDataSource dataSource)
{
    /// <summary>The channel the relay LISTENs on; NOTIFY is transactional, so it fires only for committed events.</summary>
    public const string NotifyChannel = "socialcare_events";

    public async Task<T> WriteAsync<T>(Func<EventWriter, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var writer = new EventWriter(connection, transaction);
        var result = await work(writer);
        if (writer.Appended > 0)
        {
            await writer.ExecuteAsync($"select pg_notify('{NotifyChannel}', '')", cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return result;
    }
}
