using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using SocialCare.Api.Authorization;
using SocialCare.Api.Infrastructure;
using SocialCare.Api.Infrastructure.Problems;
using SocialCare.Api.Infrastructure.Validation;

namespace SocialCare.Api.Subscriptions;

public static class SubscriptionsApi
{
    public static IServiceCollection AddSubscriptions(this IServiceCollection services)
    {
        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section)
            .Validate(o => o.SecretRotationOverlap >= TimeSpan.Zero, "Webhooks:SecretRotationOverlap may not be negative.")
            .ValidateOnStart();
        return services.AddSingleton<SubscriptionStore>().AddSingleton<TargetGuard>();
    }

    public static RouteGroupBuilder MapSubscriptions(this RouteGroupBuilder v1)
    {
        var subscriptions = v1.MapGroup("/subscriptions").WithTags("Webhook subscriptions").RequireScope(Scopes.SubscriptionsManage);
        subscriptions.MapPost("/", Create).WithName("CreateSubscription")
            .WithSummary("Subscribe an https endpoint to event types (exact, family.* or *) with optional filters. The signing secret is shown in this response only.")
            .Validate<CreateSubscriptionRequest>();
        subscriptions.MapGet("/", List).WithName("ListSubscriptions").WithSummary("The workspace's subscriptions, without secrets.");
        subscriptions.MapGet("/{id:guid}", Get).WithName("GetSubscription").WithSummary("A subscription, without its secret.");
        subscriptions.MapPatch("/{id:guid}", Update).WithName("UpdateSubscription")
            .WithSummary("Change the URL, event types, filters, description, or enable/disable it.").Validate<UpdateSubscriptionRequest>();
        subscriptions.MapDelete("/{id:guid}", Delete).WithName("DeleteSubscription").WithSummary("Stop delivering to this endpoint.");
        subscriptions.MapPost("/{id:guid}/rotate-secret", Rotate).WithName("RotateSubscriptionSecret")
            .WithSummary("A new signing secret; deliveries carry signatures with both secrets for the overlap (24 h by default).");
        return v1;
    }

    private static async Task<Results<Created<SubscriptionWithSecret>, ProblemHttpResult>> Create(
        CreateSubscriptionRequest request, ClaimsPrincipal user, SubscriptionStore store, TargetGuard guard, CancellationToken ct)
    {
        if (await guard.CheckAsync(request.Url, ct) is { } refused)
        {
            return TargetRefused(refused);
        }

        var created = await store.CreateAsync(user.RequiredWorkspaceId(), request, ct);
        return TypedResults.Created($"/v1/subscriptions/{created.Id}", created.WithSecret());
    }

    private static async Task<Ok<Page<SubscriptionResponse>>> List(ClaimsPrincipal user, SubscriptionStore store, CancellationToken ct) =>
        TypedResults.Ok(new Page<SubscriptionResponse>((await store.ListAsync(user.RequiredWorkspaceId(), ct)).Select(s => s.ToResponse()).ToList(), null));

    private static async Task<Results<Ok<SubscriptionResponse>, ProblemHttpResult>> Get(Guid id, ClaimsPrincipal user, SubscriptionStore store, CancellationToken ct) =>
        await store.FindAsync(user.RequiredWorkspaceId(), id, ct) is { } subscription ? TypedResults.Ok(subscription.ToResponse()) : Problem.NotFound("The subscription");

    private static async Task<Results<Ok<SubscriptionResponse>, ProblemHttpResult>> Update(
        Guid id, UpdateSubscriptionRequest request, ClaimsPrincipal user, SubscriptionStore store, TargetGuard guard, CancellationToken ct)
    {
        if (await store.FindAsync(user.RequiredWorkspaceId(), id, ct) is not { } current)
        {
            return Problem.NotFound("The subscription");
        }

        if (request.Url is { } url && await guard.CheckAsync(url, ct) is { } refused)
        {
            return TargetRefused(refused);
        }

        return await store.UpdateAsync(current, request, ct) is { } updated ? TypedResults.Ok(updated.ToResponse()) : Problem.NotFound("The subscription");
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(Guid id, ClaimsPrincipal user, SubscriptionStore store, CancellationToken ct) =>
        await store.DeleteAsync(user.RequiredWorkspaceId(), id, ct) ? TypedResults.NoContent() : Problem.NotFound("The subscription");

    private static async Task<Results<Ok<SubscriptionWithSecret>, ProblemHttpResult>> Rotate(
        Guid id, ClaimsPrincipal user, SubscriptionStore store, IOptionsMonitor<WebhookOptions> options, TimeProvider clock, CancellationToken ct) =>
        await store.RotateSecretAsync(user.RequiredWorkspaceId(), id, clock.GetUtcNow() + options.CurrentValue.SecretRotationOverlap, ct) is { } rotated
            ? TypedResults.Ok(rotated.WithSecret())
            : Problem.NotFound("The subscription");

    private static ProblemHttpResult TargetRefused(string reason) =>
        Problem.Of(StatusCodes.Status422UnprocessableEntity, ProblemCodes.TargetNotAllowed, "The webhook URL is not allowed", reason);
}
