using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using SocialCare.Api.Authorization;
using SocialCare.Api.Idempotency;
using SocialCare.Api.Infrastructure;
using SocialCare.Api.Infrastructure.Messaging;
using SocialCare.Api.Infrastructure.Problems;
using SocialCare.Api.Infrastructure.Validation;
using SocialCare.Api.Privacy;
using SocialCare.Api.Webhooks.Recording;
using SocialCare.Api.Webhooks.Scheduling;

namespace SocialCare.Api.Webhooks;

public static class SubscriptionsApi
{
    public static IServiceCollection AddSubscriptions(this IServiceCollection services)
    {
        services.AddBusContribution(new Scheduling.WebhookFanOutEndpoint());
        services.ConfigureSwaggerGen(o => o.DocumentFilter<WebhookEventsDocumentFilter>());
        services
            .AddOptions<WebhookOptions>()
            .BindConfiguration(WebhookOptions.Section)
            .Validate(
                o => o.SecretRotationOverlap >= TimeSpan.Zero,
                "Webhooks:SecretRotationOverlap may not be negative."
            )
            .Validate(o => o.DisableAfter > TimeSpan.Zero, "Webhooks:DisableAfter must be positive.")
            .Validate(
                o => o.MaxConcurrentDeliveries > 0 && o.MaxConcurrentPerEndpoint > 0,
                "Webhooks:MaxConcurrentDeliveries and Webhooks:MaxConcurrentPerEndpoint must be positive."
            )
            .PostConfigure(o =>
            {
                // Configured lists are appended to initial items by the binder, so the default is applied afterwards.
                if (o.RetrySchedule.Count == 0)
                {
                    o.RetrySchedule.AddRange(WebhookOptions.DefaultRetrySchedule);
                }
            })
            .Validate(
                o => o.RetrySchedule.All(t => t >= TimeSpan.Zero),
                "Webhooks:RetrySchedule delays may not be negative."
            )
            .Validate(o => !string.IsNullOrWhiteSpace(o.FanOutQueue), "Webhooks:FanOutQueue must be set.")
            .Validate(
                o => o.MaxSubscriptionsPerWorkspace > 0,
                "Webhooks:MaxSubscriptionsPerWorkspace must be positive."
            )
            .Validate(
                o => o.AttemptTimeout > TimeSpan.Zero && o.MaxConcurrentDeliveries > 0 && o.ResponseBodyLimit > 0,
                "Webhooks: AttemptTimeout, MaxConcurrentDeliveries and ResponseBodyLimit must be positive."
            )
            .ValidateOnStart();
        services
            .AddHttpClient(WebhookDeliveryWorker.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                // A redirect is a failed delivery, never followed: it could point anywhere.
                AllowAutoRedirect = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                // Several subscriptions may share a host: the slots (DeliverySlots) bound each endpoint, and a host
                // that hangs must not hold connections another endpoint's slot is waiting for.
                MaxConnectionsPerServer = sp.GetRequiredService<
                    IOptions<WebhookOptions>
                >().Value.MaxConcurrentDeliveries,
                // Every connection is checked again: a name may resolve inside the network now that did not when saved.
                ConnectCallback = Infrastructure.Outbound.OutboundTargets.Connect(
                    sp.GetRequiredKeyedService<Infrastructure.Outbound.OutboundRule>(WebhookOptions.Targets)
                ),
            });
        // The recorder is registered before the worker, so it stops after it: attempts in flight are still recorded.
        services
            .AddSingleton<DeliverySignal>()
            .AddSingleton<DeliveryLog>()
            .AddSingleton<SubscriptionReplay>()
            .AddSingleton<DeliveryRecorder>()
            .AddHostedService(sp => sp.GetRequiredService<DeliveryRecorder>())
            .AddSingleton<DeliveryInserts>()
            .AddHostedService(sp => sp.GetRequiredService<DeliveryInserts>())
            .AddSingleton<InstanceLeases>()
            .AddHostedService(sp => sp.GetRequiredService<InstanceLeases>())
            .AddSingleton<DeliverySlots>()
            .AddSingleton<WebhookDeliveryWorker>()
            .AddHostedService(sp => sp.GetRequiredService<WebhookDeliveryWorker>());
        return services
            .AddSingleton<SubscriptionStore>()
            .AddSingleton(SubscriptionStore.StoredSecrets)
            .AddSingleton<SubscriptionTargets>()
            .AddKeyedSingleton(
                WebhookOptions.Targets,
                (sp, _) =>
                    new Infrastructure.Outbound.OutboundRule(
                        "webhook URL",
                        "Webhooks:AllowPrivateTargets",
                        () => sp.GetRequiredService<IOptionsMonitor<WebhookOptions>>().CurrentValue.AllowPrivateTargets
                    )
            );
    }

    public static RouteGroupBuilder MapSubscriptions(this RouteGroupBuilder v1)
    {
        var subscriptions = v1.MapGroup("/subscriptions")
            .WithTags("Webhook subscriptions")
            .RequireScope(Scopes.SubscriptionsManage);
        subscriptions
            .MapPost("/", Create)
            .WithName("CreateSubscription")
            .WithSummary(
                "Subscribe an https endpoint to event types (exact, family.* or *) with optional filters. The "
                    + "signing secret is shown in this response only."
            )
            .Validate<CreateSubscriptionRequest>()
            .Idempotent();
        subscriptions
            .MapGet("/", List)
            .WithName("ListSubscriptions")
            .WithSummary("The workspace's subscriptions, without secrets.");
        subscriptions
            .MapGet("/{id:guid}", Get)
            .WithName("GetSubscription")
            .WithSummary("A subscription, without its secret.");
        subscriptions
            .MapPatch("/{id:guid}", Update)
            .WithName("UpdateSubscription")
            .WithSummary("Change the URL, event types, filters, description, or enable/disable it.")
            .Validate<UpdateSubscriptionRequest>();
        subscriptions
            .MapDelete("/{id:guid}", Delete)
            .WithName("DeleteSubscription")
            .WithSummary("Stop delivering to this endpoint.");
        subscriptions
            .MapGet("/{id:guid}/deliveries", Deliveries)
            .WithName("ListSubscriptionDeliveries")
            .WithSummary(
                "The delivery log: each delivery with every attempt (time, status code, latency, first 1 KB of "
                    + "the body, error); filter by status, page with after."
            );
        subscriptions
            .MapPost("/{id:guid}/test", SendTest)
            .WithName("TestSubscription")
            .WithSummary(
                "Send a webhook.test event to the endpoint (signed and retried like any delivery); 202 with the "
                    + "delivery id."
            )
            .Idempotent();
        subscriptions
            .MapPost("/{id:guid}/deliveries/{deliveryId:guid}/redeliver", Redeliver)
            .WithName("RedeliverWebhook")
            .WithSummary(
                "Send a delivery again now, with a fresh retry schedule (same webhook-id); its attempt log is kept."
            )
            .Idempotent();
        subscriptions
            .MapPost("/{id:guid}/replay", Replay)
            .WithName("ReplaySubscription")
            .WithSummary(
                "Re-send the log's matching events from a sequence or a time (same webhook-ids, fresh schedule); "
                    + "up to 1,000 events scanned per call, 'next' says where to continue."
            )
            .Validate<ReplayRequest>()
            .Idempotent();
        subscriptions
            .MapPost("/{id:guid}/rotate-secret", Rotate)
            .WithName("RotateSubscriptionSecret")
            .WithSummary(
                "A new signing secret; deliveries carry signatures with both secrets for the overlap (24 h by default)."
            )
            .Idempotent();
        return v1;
    }

    private static async Task<Results<Created<SubscriptionWithSecret>, ProblemHttpResult>> Create(
        CreateSubscriptionRequest request,
        ClaimsPrincipal user,
        SubscriptionStore store,
        [FromKeyedServices(WebhookOptions.Targets)] Infrastructure.Outbound.OutboundRule guard,
        IOptionsMonitor<WebhookOptions> options,
        CancellationToken ct
    )
    {
        // A brand-limited key's subscription is limited to its brands: to all of them unless it names fewer.
        var brands = Normalise(request.Brands) ?? user.Brands();
        if (!user.MayActOnBrands(brands))
        {
            return BrandsForbidden();
        }

        // A key that may not read customers' personal data may not have it sent where it likes either.
        var pii = request.Pii ?? (user.SeesPii() ? PiiModes.Full : PiiModes.Pseudonymous);
        if (pii == PiiModes.Full && !user.SeesPii())
        {
            return FullPiiForbidden();
        }

        if (await guard.CheckAsync(request.Url, ct) is { } refused)
        {
            return TargetRefused(refused);
        }

        var limit = options.CurrentValue.MaxSubscriptionsPerWorkspace;
        return
            await store.CreateAsync(user.RequiredWorkspaceId(), request with { Brands = brands, Pii = pii }, limit, ct)
                is { } created
            ? TypedResults.Created($"/v1/subscriptions/{created.Id}", created.WithSecret())
            : Problem.Of(
                StatusCodes.Status422UnprocessableEntity,
                ProblemCodes.SubscriptionLimitReached,
                "Too many subscriptions",
                $"A workspace may have at most {limit} subscriptions; delete one you no longer need."
            );
    }

    private static async Task<Ok<Page<SubscriptionResponse>>> List(
        ClaimsPrincipal user,
        SubscriptionStore store,
        CancellationToken ct
    ) =>
        TypedResults.Ok(
            new Page<SubscriptionResponse>(
                (await store.ListAsync(user.RequiredWorkspaceId(), ct))
                    .Where(s => user.MayActOnBrands(s.Brands))
                    .Select(s => s.ToResponse())
                    .ToList(),
                null
            )
        );

    private static async Task<Results<Ok<SubscriptionResponse>, ProblemHttpResult>> Get(
        Guid id,
        ClaimsPrincipal user,
        SubscriptionStore store,
        CancellationToken ct
    ) =>
        await FindAsync(store, user, id, ct) is { } subscription
            ? TypedResults.Ok(subscription.ToResponse())
            : Problem.NotFound("The subscription");

    private static async Task<Results<Ok<SubscriptionResponse>, ProblemHttpResult>> Update(
        Guid id,
        UpdateSubscriptionRequest request,
        ClaimsPrincipal user,
        SubscriptionStore store,
        [FromKeyedServices(WebhookOptions.Targets)] Infrastructure.Outbound.OutboundRule guard,
        CancellationToken ct
    )
    {
        if (await FindAsync(store, user, id, ct) is not { } current)
        {
            return Problem.NotFound("The subscription");
        }

        var brands = Normalise(request.Brands);
        if (brands is not null && !user.MayActOnBrands(brands))
        {
            return BrandsForbidden();
        }

        if ((request.Pii ?? current.Pii) == PiiModes.Full && !user.SeesPii())
        {
            return FullPiiForbidden();
        }

        if (request.Url is { } url && await guard.CheckAsync(url, ct) is { } refused)
        {
            return TargetRefused(refused);
        }

        return await store.UpdateAsync(current, request with { Brands = brands }, ct) is { } updated
            ? TypedResults.Ok(updated.ToResponse())
            : Problem.NotFound("The subscription");
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        Guid id,
        ClaimsPrincipal user,
        SubscriptionStore store,
        CancellationToken ct
    ) =>
        await FindAsync(store, user, id, ct) is not null && await store.DeleteAsync(user.RequiredWorkspaceId(), id, ct)
            ? TypedResults.NoContent()
            : Problem.NotFound("The subscription");

    private static async Task<Results<Ok<SubscriptionWithSecret>, ProblemHttpResult>> Rotate(
        Guid id,
        ClaimsPrincipal user,
        SubscriptionStore store,
        IOptionsMonitor<WebhookOptions> options,
        TimeProvider clock,
        CancellationToken ct
    ) =>
        await FindAsync(store, user, id, ct) is not null
        && await store.RotateSecretAsync(
            user.RequiredWorkspaceId(),
            id,
            clock.GetUtcNow() + options.CurrentValue.SecretRotationOverlap,
            ct
        )
            is { } rotated
            ? TypedResults.Ok(rotated.WithSecret())
            : Problem.NotFound("The subscription");

    private static async Task<Results<Ok<Page<DeliveryView>>, ProblemHttpResult>> Deliveries(
        Guid id,
        ClaimsPrincipal user,
        SubscriptionStore store,
        DeliveryLog log,
        string? status,
        Guid? after,
        int? limit,
        CancellationToken ct
    )
    {
        if (await FindAsync(store, user, id, ct) is null)
        {
            return Problem.NotFound("The subscription");
        }

        var take = Paging.ClampLimit(limit);
        var items = await log.ListAsync(id, status, after, take, ct);
        return TypedResults.Ok(new Page<DeliveryView>(items, items.Count == take ? items[^1].Id.ToString() : null));
    }

    public sealed record QueuedDelivery(Guid DeliveryId);

    private static async Task<Results<Accepted<QueuedDelivery>, ProblemHttpResult>> SendTest(
        Guid id,
        ClaimsPrincipal user,
        SubscriptionStore store,
        DeliveryLog log,
        CancellationToken ct
    ) =>
        await FindAsync(store, user, id, ct) is { } subscription
            ? TypedResults.Accepted(
                $"/v1/subscriptions/{id}/deliveries",
                new QueuedDelivery(await log.QueueTestAsync(subscription, ct))
            )
            : Problem.NotFound("The subscription");

    private static async Task<Results<Accepted<QueuedDelivery>, ProblemHttpResult>> Redeliver(
        Guid id,
        Guid deliveryId,
        ClaimsPrincipal user,
        SubscriptionStore store,
        DeliveryLog log,
        CancellationToken ct
    ) =>
        await FindAsync(store, user, id, ct) is not null && await log.RedeliverAsync(id, deliveryId, ct)
            ? TypedResults.Accepted($"/v1/subscriptions/{id}/deliveries", new QueuedDelivery(deliveryId))
            : Problem.NotFound("The delivery");

    private static async Task<Results<Ok<ReplayResponse>, ProblemHttpResult>> Replay(
        Guid id,
        ReplayRequest request,
        ClaimsPrincipal user,
        SubscriptionStore store,
        SubscriptionReplay replay,
        CancellationToken ct
    ) =>
        await FindAsync(store, user, id, ct) is { } subscription
            ? TypedResults.Ok(await replay.ReplayAsync(subscription, request, ct))
            : Problem.NotFound("The subscription");

    /// <summary>The subscription, when it is in the key's workspace and within its brands: any other answers 404, like
    /// a missing one.</summary>
    private static async Task<Subscription?> FindAsync(
        SubscriptionStore store,
        ClaimsPrincipal user,
        Guid id,
        CancellationToken ct
    ) =>
        await store.FindAsync(user.RequiredWorkspaceId(), id, ct) is { } subscription
        && user.MayActOnBrands(subscription.Brands)
            ? subscription
            : null;

    private static string[]? Normalise(IReadOnlyList<string>? brands) =>
        brands?.Select(b => b.Trim()).Distinct(StringComparer.Ordinal).ToArray();

    private static ProblemHttpResult BrandsForbidden() =>
        Problem.Of(
            StatusCodes.Status403Forbidden,
            ProblemCodes.Forbidden,
            "Not allowed",
            "A subscription of this API key may only name brands the key may act on; omit 'brands' for all of them."
        );

    private static ProblemHttpResult FullPiiForbidden() =>
        Problem.Of(
            StatusCodes.Status403Forbidden,
            ProblemCodes.Forbidden,
            "Not allowed",
            "Only a key with the scope pii:read may create or change a subscription whose deliveries carry customers' "
                + "personal data in full ('pii': 'full'); ask for 'pseudonymous' or 'none'."
        );

    private static ProblemHttpResult TargetRefused(string reason) =>
        Problem.Of(
            StatusCodes.Status422UnprocessableEntity,
            ProblemCodes.TargetNotAllowed,
            "The webhook URL is not allowed",
            reason
        );
}
