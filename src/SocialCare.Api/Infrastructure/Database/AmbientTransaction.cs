using Npgsql;

namespace SocialCare.Api.Infrastructure.Database;

/// <summary>
/// One PostgreSQL transaction that everything a request writes shares, without the stores it calls taking it as a
/// parameter: whoever opens it (the <c>Idempotency-Key</c> filter) makes it current for the rest of the request, and
/// stores create their commands with <see cref="AmbientTransactionExtensions.CreateAmbientCommand"/>, which uses it
/// when there is one. So the effect and the recorded answer commit together or not at all. Work that must follow the
/// commit (waking a worker, emptying a cache) is queued with <see cref="AfterCommit"/>.
/// </summary>
public sealed class AmbientTransaction : IAsyncDisposable
{
    private static readonly AsyncLocal<AmbientTransaction?> Slot = new();
    private readonly List<Action> _afterCommit = [];
    private bool _ended;

    private AmbientTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction) =>
        (Connection, Transaction) = (connection, transaction);

    /// <summary>
    /// The transaction of the current request, if it has one that has not ended. Background work that captured the
    /// request's context (and so this value) sees none once it has ended, and uses a connection of its own.
    /// </summary>
    public static AmbientTransaction? Current => Slot.Value is { _ended: false } current ? current : null;

    public NpgsqlConnection Connection { get; }

    public NpgsqlTransaction Transaction { get; }

    public static async Task<AmbientTransaction> BeginAsync(
        NpgsqlDataSource dataSource,
        CancellationToken cancellationToken
    )
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            return new AmbientTransaction(connection, await connection.BeginTransactionAsync(cancellationToken));
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Makes this the current transaction for the caller and everything it awaits from here on. Not async on purpose:
    /// an <see cref="AsyncLocal{T}"/> set inside an async method would be undone when that method returns.
    /// </summary>
    public void Enter() => Slot.Value = this;

    /// <summary>Runs <paramref name="action"/> once the current transaction commits (never, if it does not), or now
    /// when there is none.</summary>
    public static void AfterCommit(Action action)
    {
        if (Current is { } ambient)
        {
            ambient._afterCommit.Add(action);
        }
        else
        {
            action();
        }
    }

    /// <summary>
    /// Sends <paramref name="last"/> and the COMMIT in one round trip, then runs what was queued to follow the commit.
    /// If <paramref name="last"/> fails, PostgreSQL skips the COMMIT and the transaction rolls back when disposed.
    /// </summary>
    public async Task CommitAsync(NpgsqlBatchCommand last, CancellationToken cancellationToken)
    {
        await using (
            var batch = new NpgsqlBatch(Connection, Transaction)
            {
                BatchCommands = { last, new NpgsqlBatchCommand("commit") },
            }
        )
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }

        _ended = true;
        _afterCommit.ForEach(action => action());
    }

    /// <summary>Ends the transaction; without a commit, PostgreSQL rolls it back.</summary>
    public async ValueTask DisposeAsync()
    {
        _ended = true;
        await Transaction.DisposeAsync();
        await Connection.DisposeAsync();
    }
}

public static class AmbientTransactionExtensions
{
    /// <summary>A command in the current <see cref="AmbientTransaction"/> when there is one, else on a pooled
    /// connection of its own.</summary>
    public static NpgsqlCommand CreateAmbientCommand(this NpgsqlDataSource dataSource, string sql) =>
        AmbientTransaction.Current is { } ambient
            ? new NpgsqlCommand(sql, ambient.Connection, ambient.Transaction)
            : dataSource.CreateCommand(sql);
}
