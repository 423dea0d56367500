namespace SocialCare.Api.Infrastructure.Secrets;

/// <summary>
/// At start-up, after the migrations and before the server takes requests: refuses to start when stored secrets are
/// under a key the ring lacks (removed before a re-encryption moved them off it: every read of them would fail), then
/// encrypts the values an older hub wrote in clear. Idempotent, and serialised across instances by <see
/// cref="StoredSecretsRewriter"/>.
/// </summary>
internal sealed partial class SecretsAtRestStartup(
    StoredSecretsRewriter rewriter,
    SecretCipher cipher,
    ILogger<SecretsAtRestStartup> logger
) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var encrypted = await rewriter.WithLockAsync(
            async connection =>
            {
                var census = await rewriter.CensusAsync(connection, cancellationToken);
                var missing = census.Where(c => c.KeyId is { } id && !cipher.Holds(id)).ToList();
                if (missing.Count > 0)
                {
                    throw new InvalidOperationException(
                        "Stored secrets are encrypted under keys that Secrets:Keys does not hold: "
                            + string.Join(", ", missing.Select(m => $"{m.Values} in {m.Table} under '{m.KeyId}'"))
                            + ". Configure those keys again; retire a key only after POST /v1/admin/secrets/re-encrypt "
                            + "has moved everything to the active one."
                    );
                }

                return await rewriter.RewriteAsync(connection, SecretCipher.Marker, cancellationToken);
            },
            cancellationToken
        );
        foreach (var (table, rows) in encrypted.Where(e => e.Value > 0))
        {
            LogEncrypted(logger, rows, table, cipher.ActiveKeyId);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "Encrypted the secrets of {Rows} row(s) of {Table} stored in clear by an older hub, under "
            + "key '{KeyId}'"
    )]
    private static partial void LogEncrypted(ILogger logger, int rows, string table, string keyId);
}
