using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Npgsql;
using SocialCare.Api.Infrastructure.Secrets;

namespace SocialCare.Api.Privacy;

/// <summary>
/// A workspace's pseudonyms: <c>psn_</c> and 22 characters of the HMAC-SHA256 of the value under the workspace's own
/// key. The same value has the same pseudonym wherever it appears (a customer's platform user id as author, identity
/// and reply recipient), so that a subscriber can join one customer's events; without the key nobody can tell whose
/// it is, and another workspace's pseudonym of the same value differs.
/// </summary>
public sealed class Pseudonymizer(byte[] key)
{
    public const string Prefix = "psn_";

    public string Of(string value) => Prefix + Base64Url(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(value)))[..22];

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>
/// The workspaces' pseudonym keys: 32 random bytes made the first time a workspace needs one, stored encrypted with the
/// hub's secrets key (<c>workspace_privacy.pseudonym_key</c>), and kept in memory once read: a key never changes, so
/// pseudonyms stay stable across restarts and instances.
/// </summary>
public sealed class Pseudonyms(NpgsqlDataSource dataSource, SecretCipher cipher)
{
    public static StoredSecrets StoredSecrets { get; } =
        new("workspace_privacy", ["workspace_id"], ["pseudonym_key"], key => Context((Guid)key[0]));

    private readonly ConcurrentDictionary<Guid, Pseudonymizer> _known = new();

    public static string Context(Guid workspaceId) => $"workspace_privacy.pseudonym_key/{workspaceId}";

    public async ValueTask<Pseudonymizer> ForAsync(Guid workspaceId, CancellationToken ct)
    {
        if (_known.TryGetValue(workspaceId, out var known))
        {
            return known;
        }

        var fresh = cipher.Protect(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), Context(workspaceId));
        await using var command = dataSource.CreateCommand(
            """
            with made as (insert into workspace_privacy (workspace_id, pseudonym_key) values ($1, $2)
                on conflict (workspace_id) do nothing returning pseudonym_key)
            select pseudonym_key from made union all
            select pseudonym_key from workspace_privacy where workspace_id = $1
            limit 1
            """
        );
        command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
        command.Parameters.Add(new NpgsqlParameter { Value = fresh });
        // Two instances making the same workspace's key at once: the second's statement may not see the first's row
        // yet; asked again, it does.
        var stored = (string?)await command.ExecuteScalarAsync(ct) ?? (string)(await command.ExecuteScalarAsync(ct))!;
        var key = Convert.FromBase64String(cipher.Unprotect(stored, Context(workspaceId)));
        return _known.GetOrAdd(workspaceId, new Pseudonymizer(key));
    }

    /// <summary>The view a reader of <paramref name="mode"/> gets of the workspace's data; null for everything.</summary>
    public async ValueTask<PiiView?> ViewAsync(Guid workspaceId, string mode, CancellationToken ct) =>
        mode == PiiModes.Full ? null : PiiView.Of(mode, await ForAsync(workspaceId, ct));
}
