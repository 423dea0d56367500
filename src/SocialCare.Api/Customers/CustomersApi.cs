using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using SocialCare.Api.Authorization;
using SocialCare.Api.Idempotency;
using SocialCare.Api.Infrastructure.Problems;
using SocialCare.Api.Infrastructure.Validation;
using SocialCare.Api.Privacy;

namespace SocialCare.Api.Customers;

public static class CustomersApi
{
    public static IServiceCollection AddCustomers(this IServiceCollection services) =>
        services.AddSingleton<CustomerCommands>().AddSingleton<CustomerReader>();

    public static RouteGroupBuilder MapCustomers(this RouteGroupBuilder v1)
    {
        var customers = v1.MapGroup("/customers").WithTags("Customers");
        customers
            .MapGet("/{id:guid}", Get)
            .WithName("GetCustomer")
            .RequireScope(Scopes.CustomersRead)
            .WithSummary(
                "A customer: every platform identity and every conversation (of the brands this key may see; a "
                    + "key limited to brands sees only customers with a conversation of them)."
            );
        customers
            .MapGet("/", Find)
            .WithName("FindCustomers")
            .RequireScope(Scopes.CustomersRead)
            .WithSummary("Look a customer up by platform identity: ?identity=whatsapp:447700900123.");
        customers
            .MapPost("/{id:guid}/identities", LinkIdentity)
            .WithName("LinkCustomerIdentity")
            .RequireScope(Scopes.CustomersWrite)
            .WithSummary(
                "Link another platform identity to the customer (201; 200 if it was already theirs; 409 if it is "
                    + "another customer's). A key limited to brands links only to customers whose every conversation "
                    + "is of its brands."
            )
            .Validate<LinkIdentityRequest>()
            .Idempotent();
        customers
            .MapPost("/{id:guid}/merge", Merge)
            .WithName("MergeCustomers")
            .RequireScope(Scopes.CustomersWrite)
            .WithSummary(
                "Merge the customer named in the body into this one: identities and conversations follow; "
                    + "customer.merged names the id that is gone. A key limited to brands merges only customers whose "
                    + "every conversation is of its brands."
            )
            .Validate<MergeRequest>()
            .Idempotent();
        return v1;
    }

    private static async Task<Results<Ok<Infrastructure.Page<CustomerView>>, ProblemHttpResult>> Find(
        string? identity,
        ClaimsPrincipal user,
        CustomerReader customers,
        CancellationToken ct
    )
    {
        var parts = identity?.Split(':', 2);
        if (parts is not [{ Length: > 0 } type, { Length: > 0 } platformUserId])
        {
            return Problem.Of(
                StatusCodes.Status400BadRequest,
                ProblemCodes.BadRequest,
                "Identity required",
                "Pass identity=<channelType>:<platformUserId>, e.g. whatsapp:447700900123."
            );
        }

        // Whether a phone number or handle is a customer's is itself personal data.
        if (!user.SeesPii())
        {
            return Problem.Of(
                StatusCodes.Status403Forbidden,
                ProblemCodes.Forbidden,
                "Not allowed",
                "Looking a customer up by platform identity needs the scope pii:read."
            );
        }

        var items = new List<CustomerView>();
        if (
            await customers.FindByIdentityAsync(user.RequiredWorkspaceId(), type.ToLowerInvariant(), platformUserId, ct)
                is { } customerId
            && await customers.GetAsync(user.RequiredWorkspaceId(), customerId, user.Brands(), ct) is { } customer
        )
        {
            items.Add(customer);
        }

        return TypedResults.Ok(new Infrastructure.Page<CustomerView>(items, null));
    }

    private static async Task<
        Results<Created<LinkIdentityResult>, Ok<LinkIdentityResult>, ProblemHttpResult>
    > LinkIdentity(Guid id, LinkIdentityRequest request, HttpContext http, CustomerCommands commands)
    {
        var (result, rejected) = await commands.LinkAsync(
            http.User.RequiredWorkspaceId(),
            id,
            request,
            http.User.Brands(),
            Actors.FromRequest(http),
            http.RequestAborted
        );
        if (rejected is not null)
        {
            // Whose an identity is, is personal data: a key without pii:read is not told.
            return Problem.Rejected(
                rejected.Code == ProblemCodes.IdentityTaken && !http.User.SeesPii()
                    ? rejected with
                    {
                        Detail = "The identity belongs to another customer. If they are the same person, merge them.",
                    }
                    : rejected,
                "The identity cannot be linked"
            );
        }

        return result!.Linked ? TypedResults.Created($"/v1/customers/{id}", result) : TypedResults.Ok(result);
    }

    private static async Task<Results<Ok<MergeResult>, ProblemHttpResult>> Merge(
        Guid id,
        MergeRequest request,
        HttpContext http,
        CustomerCommands commands
    )
    {
        var (result, rejected) = await commands.MergeAsync(
            http.User.RequiredWorkspaceId(),
            id,
            request.CustomerId,
            http.User.Brands(),
            Actors.FromRequest(http),
            http.RequestAborted
        );
        return rejected is not null
            ? Problem.Rejected(rejected, "The customers cannot be merged")
            : TypedResults.Ok(result!);
    }

    private static async Task<Results<Ok<CustomerView>, ProblemHttpResult>> Get(
        Guid id,
        ClaimsPrincipal user,
        CustomerReader customers,
        CancellationToken ct
    ) =>
        await customers.GetAsync(user.RequiredWorkspaceId(), id, user.Brands(), ct) is { } customer
            ? TypedResults.Ok(customer)
            : Problem.NotFound("The customer");
}
