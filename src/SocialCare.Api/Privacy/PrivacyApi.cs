using System.Security.Claims;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using SocialCare.Api.Authorization;
using SocialCare.Api.Idempotency;
using SocialCare.Api.Infrastructure.Problems;
using SocialCare.Api.Infrastructure.Validation;

namespace SocialCare.Api.Privacy;

/// <summary>Customers' personal data: who may see it, erasing it, and the receipts of those who held copies
/// (docs/privacy.md).</summary>
public static partial class PrivacyApi
{
    [System.Text.RegularExpressions.GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,99}$")]
    private static partial System.Text.RegularExpressions.Regex ConsumerName();

    public static IServiceCollection AddPrivacy(this IServiceCollection services)
    {
        services.ConfigureHttpJsonOptions(o =>
            o.SerializerOptions.TypeInfoResolver = (
                o.SerializerOptions.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver()
            ).WithAddedModifier(ReadRedaction.Modify)
        );
        services
            .AddOptions<PrivacyOptions>()
            .BindConfiguration(PrivacyOptions.Section)
            .Validate(o => o.ReceiptDeadline > TimeSpan.Zero, "Privacy:ReceiptDeadline must be positive.")
            .Validate(
                o => o.PollInterval > TimeSpan.Zero && o.RetentionInterval > TimeSpan.Zero,
                "Privacy:PollInterval and Privacy:RetentionInterval must be positive."
            )
            .PostConfigure(o =>
            {
                if (o.ReceiptReminders.Count == 0)
                {
                    o.ReceiptReminders.AddRange(PrivacyOptions.DefaultReminders);
                }
            })
            .ValidateOnStart();
        return services
            .AddSingleton<Pseudonyms>()
            .AddSingleton(Pseudonyms.StoredSecrets)
            .AddSingleton<Erasures>()
            .AddSingleton<ErasedCustomers>()
            .AddSingleton<CustomerExport>()
            .AddSingleton<Retention>()
            .AddHostedService(sp => sp.GetRequiredService<Retention>())
            .AddHostedService<ErasureReminders>();
    }

    public static RouteGroupBuilder MapPrivacy(this RouteGroupBuilder v1)
    {
        v1.MapPost("/customers/{id:guid}/erasure", Erase)
            .WithTags("Customers")
            .WithName("EraseCustomer")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .RequireScope(Scopes.CustomersErase)
            .WithSummary(
                "Erase the customer's personal data everywhere in the hub (identities, names, words, attachments, "
                    + "metadata, personal context) with that of every customer merged into them; 202 with the "
                    + "erasure, whose receipts the parties that received the data then post. Again: 200 with the "
                    + "same erasure."
            )
            .Idempotent();
        v1.MapGet("/customers/{id:guid}/export", Export)
            .WithTags("Customers")
            .WithName("ExportCustomer")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .RequireScope(Scopes.CustomersRead)
            .WithSummary(
                "Everything the hub holds about the customer, for a data-subject access request: the customer, the "
                    + "customers merged into them, each conversation as it is now and every event of their streams "
                    + "(needs pii:read as well)."
            );
        var retention = v1.MapGroup("/workspaces/{id:guid}/retention").WithTags("Workspaces").RequireAuthorization();
        retention
            .MapPut("/", SetRetention)
            .WithName("SetRetention")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .WithSummary(
                "How long the workspace keeps engagement and reply text, attachments, and the personal data of "
                    + "resolved conversations (ISO 8601 durations; null keeps for ever). A durable job removes what is "
                    + "due and emits retention.applied. Admin, or the workspace's own key with customers:erase."
            )
            .Validate<RetentionPolicy>();
        retention
            .MapGet("/", GetRetention)
            .WithName("GetRetention")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .WithSummary("The workspace's retention policy (admin, or the workspace's own key with customers:erase).");
        var erasures = v1.MapGroup("/erasures")
            .WithTags("Erasures")
            .RequireAuthorization(AuthorizationExtensions.WorkspacePolicy);
        erasures
            .MapGet("/{id:guid}", Get)
            .WithName("GetErasure")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .WithSummary(
                "An erasure and its parties: who has confirmed erasing their copies, and who has not (scope "
                    + "customers:erase, erasures:confirm or subscriptions:manage)."
            );
        erasures
            .MapPost("/{id:guid}/receipts", Confirm)
            .WithName("ConfirmErasure")
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .WithSummary(
                "Confirm that a party erased its copies: a subscription (by a key with subscriptions:manage that may "
                    + "act on it, or with erasures:confirm) or a bus consumer (by the key that registered it, or with "
                    + "erasures:confirm). When every party has, erasure.completed."
            )
            .Validate<ReceiptRequest>();
        var consumers = v1.MapGroup("/bus-consumers").WithTags("Erasures").RequireScope(Scopes.SubscriptionsManage);
        consumers
            .MapPut("/{name}", RegisterConsumer)
            .WithName("RegisterBusConsumer")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary(
                "Register a department's RabbitMQ consumer as a party to every later erasure: it receives "
                    + "customer.erased on the bus and confirms with POST /v1/erasures/{id}/receipts."
            )
            .Validate<BusConsumerRequest>();
        consumers.MapGet("/", ListConsumers).WithName("ListBusConsumers").WithSummary("The registered bus consumers.");
        consumers
            .MapDelete("/{name}", RemoveConsumer)
            .WithName("RemoveBusConsumer")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .WithSummary("Stop counting a bus consumer as a party of later erasures (earlier ones still wait for it).");
        return v1;
    }

    private static async Task<Results<Ok<CustomerExportView>, ProblemHttpResult>> Export(
        Guid id,
        ClaimsPrincipal user,
        CustomerExport export,
        CancellationToken ct
    )
    {
        if (!user.SeesPii())
        {
            return Problem.Of(
                StatusCodes.Status403Forbidden,
                ProblemCodes.Forbidden,
                "Not allowed",
                "An export is the customer's personal data: it needs the scope pii:read as well as customers:read."
            );
        }

        return await export.ExportAsync(user.RequiredWorkspaceId(), id, user.Brands(), ct) is { } view
            ? TypedResults.Ok(view)
            : Problem.NotFound("The customer");
    }

    /// <summary>The operator, or the workspace's own key with <c>customers:erase</c> and no brand limit (the policy
    /// governs every brand).</summary>
    private static bool MayManageRetention(ClaimsPrincipal user, Guid workspaceId) =>
        user.IsAdmin()
        || (
            user.WorkspaceId() == workspaceId && user.Scopes().Contains(Scopes.CustomersErase) && user.Brands() is null
        );

    private static async Task<Results<Ok<RetentionView>, ProblemHttpResult>> SetRetention(
        Guid id,
        RetentionPolicy policy,
        ClaimsPrincipal user,
        Retention retention,
        Workspaces.WorkspaceStore workspaces,
        CancellationToken ct
    )
    {
        if (!MayManageRetention(user, id))
        {
            return user.IsAdmin() || user.WorkspaceId() == id
                ? RetentionForbidden()
                : Problem.NotFound("The workspace");
        }

        if (user.IsAdmin() && await workspaces.FindAsync(id, ct) is null)
        {
            return Problem.NotFound("The workspace");
        }

        return TypedResults.Ok(await retention.SetAsync(id, policy, ct));
    }

    private static async Task<Results<Ok<RetentionView>, ProblemHttpResult>> GetRetention(
        Guid id,
        ClaimsPrincipal user,
        Retention retention,
        CancellationToken ct
    )
    {
        if (!MayManageRetention(user, id))
        {
            return user.WorkspaceId() == id ? RetentionForbidden() : Problem.NotFound("The workspace");
        }

        return await retention.GetAsync(id, ct) is { } view
            ? TypedResults.Ok(view)
            : Problem.NotFound("A retention policy");
    }

    private static ProblemHttpResult RetentionForbidden() =>
        Problem.Of(
            StatusCodes.Status403Forbidden,
            ProblemCodes.Forbidden,
            "Not allowed",
            "A workspace's retention is set by the operator (admin key) or by a key of the workspace with "
                + "customers:erase and no brand limit."
        );

    private static bool MayReadErasures(ClaimsPrincipal user) =>
        user.Scopes().Any(s => s is Scopes.CustomersErase or Scopes.ErasuresConfirm or Scopes.SubscriptionsManage);

    private static async Task<Results<Accepted<ErasureAccepted>, Ok<ErasureAccepted>, ProblemHttpResult>> Erase(
        Guid id,
        HttpContext http,
        Erasures erasures
    )
    {
        var (view, created, rejected) = await erasures.EraseAsync(
            http.User.RequiredWorkspaceId(),
            id,
            http.User.Brands(),
            Actors.FromRequest(http),
            http.RequestAborted
        );
        if (rejected is not null)
        {
            return rejected.Code == ProblemCodes.NotFound
                ? Problem.NotFound("The customer")
                : Problem.Rejected(rejected, "The customer cannot be erased");
        }

        var answer = new ErasureAccepted(view!.Id, view);
        return created ? TypedResults.Accepted($"/v1/erasures/{view.Id}", answer) : TypedResults.Ok(answer);
    }

    private static async Task<Results<Ok<ErasureView>, ProblemHttpResult>> Get(
        Guid id,
        ClaimsPrincipal user,
        Erasures erasures,
        CancellationToken ct
    )
    {
        if (!MayReadErasures(user))
        {
            return ScopeMissing();
        }

        return await erasures.FindAsync(user.RequiredWorkspaceId(), id, user.Brands(), ct) is { } view
            ? TypedResults.Ok(view)
            : Problem.NotFound("The erasure");
    }

    private static async Task<Results<Ok<ErasureView>, ProblemHttpResult>> Confirm(
        Guid id,
        ReceiptRequest request,
        HttpContext http,
        Erasures erasures,
        Webhooks.SubscriptionStore subscriptions,
        NpgsqlDataSource dataSource
    )
    {
        var user = http.User;
        var workspaceId = user.RequiredWorkspaceId();
        var ct = http.RequestAborted;
        var confirmsAny = user.Scopes().Contains(Scopes.ErasuresConfirm);
        string kind,
            party;
        if (request.SubscriptionId is { } subscriptionId)
        {
            (kind, party) = (ErasurePartyKinds.Subscription, subscriptionId.ToString());
            var subscription = await subscriptions.FindAsync(workspaceId, subscriptionId, ct);
            if (
                !confirmsAny
                && !(
                    user.Scopes().Contains(Scopes.SubscriptionsManage)
                    && subscription is not null
                    && user.MayActOnBrands(subscription.Brands)
                )
            )
            {
                return ScopeMissing();
            }
        }
        else
        {
            (kind, party) = (ErasurePartyKinds.Consumer, request.Consumer!);
            await using var command = dataSource.CreateCommand(
                "select registered_by_key_id = $3 from bus_consumers where workspace_id = $1 and name = $2"
            );
            command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
            command.Parameters.Add(new NpgsqlParameter { Value = party });
            command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = user.KeyId() });
            var mine = await command.ExecuteScalarAsync(ct) is true;
            if (!confirmsAny && !mine)
            {
                return ScopeMissing();
            }
        }

        var (view, rejected) = await erasures.ConfirmAsync(workspaceId, id, kind, party, Actors.FromRequest(http), ct);
        return rejected is not null ? Problem.Rejected(rejected, "The receipt was not recorded")
            : view is not null ? TypedResults.Ok(view)
            : Problem.NotFound("The erasure");
    }

    private static ProblemHttpResult ConsumerTaken() =>
        Problem.Of(
            StatusCodes.Status403Forbidden,
            ProblemCodes.Forbidden,
            "Not allowed",
            "This bus consumer was registered by another key: only that key, or one with erasures:confirm, may change "
                + "or remove it (its receipts count as that department's)."
        );

    private static ProblemHttpResult ScopeMissing() =>
        Problem.Of(
            StatusCodes.Status403Forbidden,
            ProblemCodes.Forbidden,
            "Not allowed",
            "Erasures are read with the scope customers:erase, erasures:confirm or subscriptions:manage; a receipt is "
                + "posted for a subscription by a key that manages it, for a bus consumer by the key that registered "
                + "it, or by a key with erasures:confirm."
        );

    private static async Task<Results<Ok<BusConsumerView>, ProblemHttpResult>> RegisterConsumer(
        string name,
        BusConsumerRequest request,
        ClaimsPrincipal user,
        NpgsqlDataSource dataSource,
        TimeProvider clock,
        CancellationToken ct
    )
    {
        if (!ConsumerName().IsMatch(name))
        {
            return Problem.Of(
                StatusCodes.Status400BadRequest,
                ProblemCodes.BadRequest,
                "Bad consumer name",
                "A bus consumer's name is 1 to 100 lower-case letters, digits, '.', '_' or '-', starting with a "
                    + "letter or digit (e.g. crm-worker)."
            );
        }

        await using var command = dataSource.CreateCommand(
            """
            insert into bus_consumers (workspace_id, name, description, registered_by_key_id, created_at)
            values ($1, $2, $3, $4, $5)
            on conflict (workspace_id, name) do update set description = excluded.description
                where bus_consumers.registered_by_key_id is not distinct from excluded.registered_by_key_id or $6
            returning name, description, created_at
            """
        );
        command.Parameters.Add(new NpgsqlParameter { Value = user.RequiredWorkspaceId() });
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = request.Description });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = user.KeyId() });
        command.Parameters.Add(new NpgsqlParameter { Value = clock.GetUtcNow() });
        command.Parameters.Add(new NpgsqlParameter { Value = user.Scopes().Contains(Scopes.ErasuresConfirm) });
        return (await ReadConsumersAsync(command, ct)).SingleOrDefault() is { } registered
            ? TypedResults.Ok(registered)
            : ConsumerTaken();
    }

    private static async Task<Ok<Infrastructure.Page<BusConsumerView>>> ListConsumers(
        ClaimsPrincipal user,
        NpgsqlDataSource dataSource,
        CancellationToken ct
    )
    {
        await using var command = dataSource.CreateCommand(
            "select name, description, created_at from bus_consumers where workspace_id = $1 order by name"
        );
        command.Parameters.Add(new NpgsqlParameter { Value = user.RequiredWorkspaceId() });
        return TypedResults.Ok(new Infrastructure.Page<BusConsumerView>(await ReadConsumersAsync(command, ct), null));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveConsumer(
        string name,
        ClaimsPrincipal user,
        NpgsqlDataSource dataSource,
        CancellationToken ct
    )
    {
        await using var command = dataSource.CreateCommand(
            """
            with gone as (delete from bus_consumers where workspace_id = $1 and name = $2
                and (registered_by_key_id is not distinct from $3 or $4) returning 1)
            select (select count(*) from gone), (select count(*) from bus_consumers where workspace_id = $1 and name = $2)
            """
        );
        command.Parameters.Add(new NpgsqlParameter { Value = user.RequiredWorkspaceId() });
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = user.KeyId() });
        command.Parameters.Add(new NpgsqlParameter { Value = user.Scopes().Contains(Scopes.ErasuresConfirm) });
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return reader.GetInt64(0) == 1 ? TypedResults.NoContent()
            : reader.GetInt64(1) == 1 ? ConsumerTaken()
            : Problem.NotFound("The bus consumer");
    }

    private static async Task<List<BusConsumerView>> ReadConsumersAsync(NpgsqlCommand command, CancellationToken ct)
    {
        await using var reader = await command.ExecuteReaderAsync(ct);
        var items = new List<BusConsumerView>();
        while (await reader.ReadAsync(ct))
        {
            items.Add(
                new BusConsumerView(
                    reader.GetString(0),
                    reader.IsDBNull(1) ? null : reader.GetString(1),
                    reader.GetFieldValue<DateTimeOffset>(2)
                )
            );
        }

        return items;
    }
}
