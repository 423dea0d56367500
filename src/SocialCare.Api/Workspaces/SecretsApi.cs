using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using SocialCare.Api.Authorization;
using SocialCare.Api.Infrastructure.Secrets;

namespace SocialCare.Api.Workspaces;

/// <summary>What a re-encryption did: the active key, and the rows rewritten under it per table.</summary>
public sealed record ReEncryptionResponse(string ActiveKey, IReadOnlyDictionary<string, int> Rewritten);

public static class SecretsApi
{
    /// <summary>
    /// The key ring (validated at start-up: the hub does not start without a usable active key), the cipher, and the
    /// start-up pass over stored secrets. Register it right after the database, so that the pass follows the
    /// migrations.
    /// </summary>
    public static IServiceCollection AddSecrets(this IServiceCollection services)
    {
        services.AddSingleton<IValidateOptions<SecretsOptions>, SecretsOptionsValidator>();
        services.AddOptions<SecretsOptions>().BindConfiguration(SecretsOptions.Section).ValidateOnStart();
        services.AddSingleton<SecretCipher>().AddSingleton<StoredSecretsRewriter>();
        return services.AddHostedService<SecretsAtRestStartup>();
    }

    public static RouteGroupBuilder MapSecrets(this RouteGroupBuilder v1)
    {
        v1.MapPost("/admin/secrets/re-encrypt", ReEncrypt)
            .WithName("ReEncryptSecrets")
            .WithTags("Administration")
            .RequireAdmin()
            .WithSummary(
                "Re-encrypt every stored secret under the active key (admin); afterwards older keys can be "
                    + "removed from Secrets:Keys."
            );
        return v1;
    }

    private static async Task<Ok<ReEncryptionResponse>> ReEncrypt(
        StoredSecretsRewriter rewriter,
        SecretCipher cipher,
        CancellationToken ct
    ) =>
        TypedResults.Ok(
            new ReEncryptionResponse(
                cipher.ActiveKeyId,
                await rewriter.WithLockAsync(
                    connection => rewriter.RewriteAsync(connection, cipher.ActivePrefix, ct),
                    ct
                )
            )
        );
}
