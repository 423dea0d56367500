using Marten;
using Npgsql;
using SocialCare.Api.Infrastructure.Database;

namespace SocialCare.Api.EventLog;

/// <summary>
/// The seam around the event store: a unit of work over one PostgreSQL transaction. Whatever
/// <c>work</c> appends and projects commits together; the caller hears of success only after the commit.
/// </summary>
public sealed class EventStore(
    NpgsqlDataSource dataSource,
    IDocumentStore store,
    Infrastructure.Telemetry.HubMetrics metrics
)
{
    /// <summary>
    /// Notified by every transaction that appends events, as it commits: the relay leader and the changefeed tails of
    /// every instance LISTEN on it. Sent inside the transaction, so it is delivered exactly when the events become
    /// visible. The payload names the workspaces whose events the transaction appended (<see
    /// cref="CommittedPayload"/>), so that a tail wakes only for its own.
    /// </summary>
    public const string CommittedChannel = "socialcare_events";

    /// <summary>More workspace ids than this would not fit a notification (8,000 bytes): the payload is then left
    /// empty.</summary>
    private const int MaxNotifiedWorkspaces = 200;

    /// <summary>The workspaces of a commit, comma-separated; empty (meaning "any workspace") when there are too many to
    /// name.</summary>
    public static string CommittedPayload(IReadOnlyCollection<Guid> workspaces) =>
        workspaces.Count <= MaxNotifiedWorkspaces ? string.Join(',', workspaces) : string.Empty;

    /// <summary>The workspaces a <see cref="CommittedChannel"/> payload names, or null when it may concern any
    /// workspace.</summary>
    public static IReadOnlyList<Guid>? WorkspacesOf(string payload)
    {
        var workspaces = new List<Guid>();
        foreach (var part in payload.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Guid.TryParse(part, out var workspace))
            {
                return null;
            }

            workspaces.Add(workspace);
        }

        return workspaces.Count > 0 ? workspaces : null;
    }

    /// <summary>
    /// Runs <paramref name="work"/> in a transaction of its own, or in the request's <see cref="AmbientTransaction"/>
    /// when there is one (an idempotent request: its answer is recorded in the same transaction, which its owner then
    /// commits).
    /// </summary>
    public async Task<T> WriteAsync<T>(Func<EventWriter, Task<T>> work, CancellationToken cancellationToken)
    {
        if (AmbientTransaction.Current is { } ambient)
        {
            await using var shared = new EventWriter(ambient.Connection, ambient.Transaction, store);
            var outcome = await work(shared);
            await shared.FlushAsync(cancellationToken);
            metrics.EventsAppended.Add(shared.Sent);
            return outcome;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var writer = new EventWriter(connection, transaction, store);
        var result = await work(writer);
        // The COMMIT goes with the last writes (Npgsql then sees the transaction ended; disposing it does nothing
        // more).
        await writer.CommitAsync(cancellationToken);
        metrics.EventsAppended.Add(writer.Sent);
        return result;
    }
}
