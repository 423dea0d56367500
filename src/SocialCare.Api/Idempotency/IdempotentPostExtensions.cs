using SocialCare.Api.Infrastructure.Database;

namespace SocialCare.Api.Idempotency;

public static class IdempotentPostExtensions
{
    /// <summary>
    /// Honours <c>Idempotency-Key</c> on a POST (a conversation command, a channel, a subscription, a secret rotation
    /// …), as Stripe does: the first answer (2xx) is stored and replayed for the same key with
    /// <c>Idempotent-Replayed: true</c>; the same key with another request is a 422; while the first is still running,
    /// a 409. The request's writes, the claim on its key and its stored answer commit in one transaction (an
    /// <see cref="AmbientTransaction"/>), so a request that fails, or a hub that dies before the commit, leaves
    /// nothing: the retry with the same key runs the effect once. The endpoint's stores must write through
    /// <see cref="AmbientTransactionExtensions.CreateAmbientCommand"/> or <see cref="EventLog.EventStore"/>.
    /// </summary>
    public static RouteHandlerBuilder Idempotent(this RouteHandlerBuilder builder) =>
        builder.AddEndpointFilter<IdempotentPostFilter>().WithMetadata(IdempotentPostMetadata.Instance);

    /// <summary>As <see cref="Idempotent(RouteHandlerBuilder)"/>, for every POST of a group (a conversation's
    /// commands).</summary>
    public static RouteGroupBuilder Idempotent(this RouteGroupBuilder group) =>
        group.AddEndpointFilter<IdempotentPostFilter>().WithMetadata(IdempotentPostMetadata.Instance);

    /// <summary>Keys' settings, their store, their cleanup, and their encrypted answers among the stored
    /// secrets.</summary>
    public static IServiceCollection AddIdempotency(this IServiceCollection services)
    {
        services
            .AddOptions<IdempotencyOptions>()
            .BindConfiguration(IdempotencyOptions.Section)
            .Validate(
                o => o.KeyTtl > TimeSpan.Zero && o.CleanupInterval > TimeSpan.Zero,
                "Idempotency:KeyTtl and Idempotency:CleanupInterval must be positive."
            )
            .ValidateOnStart();
        services.AddSingleton(IdempotencyKeys.StoredSecrets);
        services.ConfigureSwaggerGen(o => o.OperationFilter<IdempotencyOperationFilter>());
        return services.AddSingleton<IdempotencyKeys>().AddHostedService<IdempotencyKeySweeper>();
    }
}
