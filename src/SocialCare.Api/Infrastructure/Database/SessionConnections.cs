using Npgsql;

namespace SocialCare.Api.Infrastructure.Database;

/// <summary>
/// Connections that carry session state — the relay leader's advisory lock, LISTEN — come from here, never from the
/// pool: the pool does not reset connections it takes back (that reset was seven statements per request), so a session
/// lock or a LISTEN must end with its physical connection, which is what closing one of these does.
/// </summary>
public sealed class SessionConnections(NpgsqlDataSource dataSource) : IAsyncDisposable
{
    public ValueTask<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) =>
        dataSource.OpenConnectionAsync(cancellationToken);

    public ValueTask DisposeAsync() => dataSource.DisposeAsync();
}
