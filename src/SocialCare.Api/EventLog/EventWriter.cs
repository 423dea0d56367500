using System.Runtime.ExceptionServices;
using Marten;
using Marten.Events;
using Npgsql;
using NpgsqlTypes;
using SocialCare.Contracts;

namespace SocialCare.Api.EventLog;

/// <summary>Events to append to one stream; <see cref="ExpectedVersion"/> as in <see cref="EventWriter.Append(Guid,
/// Type, Guid, long?, IReadOnlyList{HubEvent})"/>.</summary>
public sealed record StreamAppend(
    Guid StreamId,
    Type StreamType,
    Guid WorkspaceId,
    long? ExpectedVersion,
    IReadOnlyList<HubEvent> Events
)
{
    /// <summary>The trace the events were caused in, kept in their metadata: by default the current span's.</summary>
    public Infrastructure.Telemetry.EventTrace? Trace { get; init; } = Infrastructure.Telemetry.EventTrace.Current();
}

/// <summary>
/// One write transaction. Writes (<see cref="Execute"/>) are queued and sent to PostgreSQL together, pipelined in one
/// round trip, when a read needs them (<see cref="QueryAsync"/>) or with the COMMIT (<see cref="CommitAsync"/>). On a
/// loaded machine round trips, not SQL, are the cost of an ingestion, so a whole ingestion is two of them, commit
/// included. Events are appended through a Marten session on the same transaction (<see cref="MartenEventStore"/>),
/// whose batch carries, in order, the queued writes, the event numbers' lock (<see cref="EventNumbering"/>), the
/// expected versions' check, the appends (<see cref="EventAppends"/>), the wake-up and the COMMIT: events are numbered
/// in commit order, and the lock is held only for that one round trip.
/// </summary>
public sealed class EventWriter(NpgsqlConnection connection, NpgsqlTransaction transaction, IDocumentStore store)
    : IAsyncDisposable
{
    private const string QueryFollows = "socialcare_query_follows";
    private const string StreamConflict = "SC409";
    private NpgsqlBatch _pending = NewBatch(connection, transaction);
    private IDocumentSession? _session;
    private readonly List<StreamAppend> _appends = [];
    private readonly Dictionary<Guid, long> _appended = [];
    private readonly Dictionary<Guid, long> _expected = [];
    private readonly Dictionary<Guid, string> _tenants = [];
    private readonly HashSet<Guid> _workspaces = [];

    /// <summary>How many events this writer has sent to PostgreSQL (committed with its transaction).</summary>
    public int Sent { get; private set; }

    /// <summary>Queues a statement that returns no rows; it runs, in order, before the next read or the
    /// commit.</summary>
    public void Execute(string sql, params object?[] arguments) => _pending.BatchCommands.Add(Command(sql, arguments));

    /// <summary>
    /// Queues taking transaction-scoped advisory locks on <paramref name="keys"/>, in one sorted pass, so that two
    /// transactions locking overlapping keys serialise and never deadlock.
    /// </summary>
    public void Lock(IEnumerable<string> keys) => Execute("call socialcare_lock_keys($1)", (object)keys.ToArray());

    /// <summary>
    /// Queues appending <paramref name="events"/> to a stream, to be sent with the commit. With
    /// <paramref name="expectedVersion"/>, the append fails with <see cref="ConcurrencyException"/> (and the commit
    /// does not happen) unless the stream is exactly there (0 = it must not exist yet); without it, appends serialise
    /// on the stream row. The stream's version after the append is its version before plus <c>events.Count</c>.
    /// </summary>
    public void Append(
        Guid streamId,
        Type streamType,
        Guid workspaceId,
        long? expectedVersion,
        IReadOnlyList<HubEvent> events
    ) => Append([new StreamAppend(streamId, streamType, workspaceId, expectedVersion, events)]);

    /// <summary>
    /// Queues several appends, each as <see cref="Append(Guid, Type, Guid, long?, IReadOnlyList{HubEvent})"/>. A stream
    /// appended to twice takes both appends in order; a later append's expected version counts the earlier ones.
    /// </summary>
    public void Append(IReadOnlyList<StreamAppend> appends)
    {
        foreach (var append in appends)
        {
            if (append.Events.Count == 0)
            {
                throw new ArgumentException($"Nothing to append to stream {append.StreamId}.", nameof(appends));
            }

            var appended = _appended.GetValueOrDefault(append.StreamId);
            if (append.ExpectedVersion is { } expected)
            {
                // What the stream must be at before this transaction's first append to it.
                var before = expected - appended;
                if (_expected.TryGetValue(append.StreamId, out var known) && known != before)
                {
                    throw new ConcurrencyException(append.StreamId, expected);
                }

                _expected[append.StreamId] = before;
            }

            _appends.Add(append);
            _appended[append.StreamId] = appended + append.Events.Count;
            _tenants[append.StreamId] = MartenEventStore.TenantOf(append.WorkspaceId);
            _workspaces.Add(append.WorkspaceId);
        }
    }

    /// <summary>Sends the queued writes (not the appends) and then <paramref name="sql"/>, in one round trip, and reads
    /// the query's rows.</summary>
    public async Task<List<T>> QueryAsync<T>(
        string sql,
        Func<NpgsqlDataReader, T> read,
        CancellationToken cancellationToken,
        params object?[] arguments
    )
    {
        var batch = TakePending();
        // Npgsql yields result sets only for statements that return rows, so the query's result is found after a marker
        // result set, whatever the queued statements were.
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"select 1 as {QueryFollows}"));
        batch.BatchCommands.Add(Command(sql, arguments));
        await using (batch)
        {
            var rows = new List<T>();
            await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
            {
                while (!(reader.FieldCount == 1 && reader.GetName(0) == QueryFollows))
                {
                    await reader.NextResultAsync(cancellationToken);
                }

                await reader.NextResultAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    rows.Add(read(reader));
                }
            }

            return rows;
        }
    }

    /// <summary>
    /// Sends whatever is queued, the appends last, and COMMIT, in one round trip; <see cref="EventStore"/> calls it to
    /// end the transaction. From the first append on, the transaction holds the event numbers' lock, so nothing but its
    /// own statements and its commit runs while it does. A stale expected version fails an append inside PostgreSQL:
    /// the transaction aborts, the COMMIT is skipped, and it surfaces here as <see cref="ConcurrencyException"/>.
    /// </summary>
    internal Task CommitAsync(CancellationToken cancellationToken) => SendAsync(commit: true, cancellationToken);

    /// <summary>
    /// As <see cref="CommitAsync"/>, without the COMMIT: in a transaction shared with the rest of a request (an
    /// <see cref="Infrastructure.Database.AmbientTransaction"/>), its owner commits, and the events' numbers stay
    /// locked until it does.
    /// </summary>
    internal Task FlushAsync(CancellationToken cancellationToken) => SendAsync(commit: false, cancellationToken);

    private async Task SendAsync(bool commit, CancellationToken cancellationToken)
    {
        if (_appended.Count == 0)
        {
            if (commit)
            {
                _pending.BatchCommands.Add(new NpgsqlBatchCommand("commit"));
            }
            else if (_pending.BatchCommands.Count == 0)
            {
                return;
            }

            await using var batch = TakePending();
            await batch.ExecuteNonQueryAsync(cancellationToken);
            return;
        }

        var session = _session ??= store.LightweightSession(Marten.Services.SessionOptions.ForTransaction(transaction));
        await using (var queued = TakePending())
        {
            foreach (var statement in queued.BatchCommands)
            {
                session.QueueOperation(
                    new EventNumbering.Statement((NpgsqlBatchCommand)statement, BeforeAppends: true)
                );
            }
        }

        session.QueueOperation(EventNumbering.Lock);
        // Under the lock no other transaction appends, so the expected versions checked here hold for the appends,
        // which then cannot fail half-way through the batch and leave taken numbers unused.
        if (_expected.Count > 0)
        {
            session.QueueOperation(
                new EventNumbering.Statement(
                    Command(
                        "call socialcare_expect_versions($1, $2, $3)",
                        _expected.Keys.ToArray(),
                        _expected.Keys.Select(stream => _tenants[stream]).ToArray(),
                        _expected.Values.ToArray()
                    ),
                    BeforeAppends: true
                )
            );
        }

        session.QueueOperation(new EventAppends([.. _appends], Graph, store.Options.Serializer()));

        // Writers of events commit one at a time (the numbers' lock), so notifying from inside the transaction
        // serialises nothing more, and the relay hears of the events the moment they become visible. Naming the
        // workspaces lets each event stream wake only for its own.
        session.QueueOperation(
            new EventNumbering.Statement(
                Command(
                    $"select pg_notify('{EventStore.CommittedChannel}', $1)",
                    EventStore.CommittedPayload(_workspaces)
                ),
                BeforeAppends: false
            )
        );
        if (commit)
        {
            session.QueueOperation(
                new EventNumbering.Statement(new NpgsqlBatchCommand("commit"), BeforeAppends: false)
            );
        }

        try
        {
            await session.SaveChangesAsync(cancellationToken);
            Sent += _appends.Sum(a => a.Events.Count);
        }
        catch (Exception e)
            when (Refusal(e) is { SqlState: StreamConflict } conflict && Guid.TryParse(conflict.Hint, out var stream))
        {
            throw new ConcurrencyException(stream, _expected.TryGetValue(stream, out var expected) ? expected : null);
        }
        catch (Exception e) when (e is not PostgresException && Refusal(e) is { } refusal)
        {
            // Marten wraps what PostgreSQL refused; callers decide on PostgreSQL's own error (a unique violation, …).
            ExceptionDispatchInfo.Throw(refusal);
        }
        finally
        {
            _appends.Clear();
            _appended.Clear();
            _expected.Clear();
        }
    }

    private EventGraph Graph => (EventGraph)store.Options.Events;

    private static PostgresException? Refusal(Exception e) =>
        e as PostgresException ?? e.InnerException as PostgresException;

    private NpgsqlBatch TakePending()
    {
        var batch = _pending;
        _pending = NewBatch(connection, transaction);
        return batch;
    }

    private static NpgsqlBatch NewBatch(NpgsqlConnection connection, NpgsqlTransaction transaction) =>
        new(connection, transaction);

    private static NpgsqlBatchCommand Command(string sql, params object?[] arguments)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var argument in arguments)
        {
            command.Parameters.Add(Parameter(argument));
        }

        return command;
    }

    /// <summary>
    /// An argument as a parameter. Arrays (the <c>unnest</c> of a group commit's rows) are typed up front, as the type
    /// Npgsql would infer anyway: given as plain objects, each array's elements went through Npgsql's generic array
    /// converter, which cost 7.8 % of the hub's CPU at its maximum ingestion rate (docs/performance.md).
    /// </summary>
    private static NpgsqlParameter Parameter(object? argument) =>
        argument switch
        {
            NpgsqlParameter given => given,
            Guid[] uuids => new NpgsqlParameter<Guid[]>
            {
                TypedValue = uuids,
                NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid,
            },
            string?[] texts => new NpgsqlParameter<string?[]>
            {
                TypedValue = texts,
                NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text,
            },
            long[] longs => new NpgsqlParameter<long[]>
            {
                TypedValue = longs,
                NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint,
            },
            int[] ints => new NpgsqlParameter<int[]>
            {
                TypedValue = ints,
                NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer,
            },
            _ => new NpgsqlParameter { Value = argument ?? DBNull.Value },
        };

    /// <summary>Ends the Marten session, if an append opened one; the transaction is the caller's.</summary>
    public ValueTask DisposeAsync() => _session?.DisposeAsync() ?? ValueTask.CompletedTask;
}
