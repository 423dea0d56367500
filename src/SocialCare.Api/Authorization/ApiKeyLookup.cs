using Npgsql;
using SocialCare.Api.Infrastructure.Caching;

namespace SocialCare.Api.Authorization;

/// <summary>
/// Workspace API keys by their secret, through a cache that every revocation empties on every instance (at once on the
/// revoking instance, within milliseconds elsewhere).
/// </summary>
public sealed class ApiKeyLookup(NpgsqlDataSource dataSource, ReadThroughCache<string, ApiKeyRecord> cache)
{
    /// <summary>The key's record, or null when it is unknown or revoked.</summary>
    public ValueTask<ApiKeyRecord?> FindAsync(string key, CancellationToken cancellationToken) =>
        cache.GetAsync(Convert.ToHexString(ApiKeys.Hash(key)), LoadAsync, cancellationToken);

    /// <summary>
    /// Whether the workspace key this request authenticated with still holds (it was not revoked since). Authentication
    /// runs once per request: a request that lasts (an event stream) asks again as it goes.
    /// </summary>
    public async Task<bool> StillValidAsync(HttpContext http, CancellationToken cancellationToken) =>
        ApiKeys.FromBearer(http.Request.Headers.Authorization) is { } key
        && await FindAsync(key, cancellationToken) is { } record
        && string.Equals(record.Id.ToString(), http.User.KeyId(), StringComparison.Ordinal);

    private async Task<ApiKeyRecord?> LoadAsync(string hexHash, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "select id, workspace_id, name, scopes, brands from api_keys where key_hash = $1 and revoked_at is null"
        );
        command.Parameters.Add(new NpgsqlParameter { Value = Convert.FromHexString(hexHash) });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new ApiKeyRecord(
                reader.GetGuid(0),
                reader.GetGuid(1),
                reader.GetString(2),
                reader.GetFieldValue<string[]>(3),
                reader.IsDBNull(4) ? null : reader.GetFieldValue<string[]>(4)
            )
            : null;
    }
}
