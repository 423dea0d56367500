using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using SocialCare.Api.Authorization;
using SocialCare.Api.Infrastructure.Validation;
using SocialCare.Api.Idempotency;
using SocialCare.Api.Infrastructure.Problems;
using SocialCare.Contracts;

namespace SocialCare.Api.Customers;

public sealed record CustomerConversation(Guid Id, string Brand, string Status, DateTimeOffset OpenedAt, DateTimeOffset LastActivityAt);

/// <summary>A customer; <c>mergedInto</c> names the survivor when this customer was merged away.</summary>
public sealed record CustomerView(Guid Id, string? DisplayName, DateTimeOffset CreatedAt, Guid? MergedInto, IReadOnlyList<CustomerIdentity> Identities, IReadOnlyList<CustomerConversation> Conversations);

public static class CustomersApi
{
    public static IServiceCollection AddCustomers(this IServiceCollection services) => services.AddSingleton<CustomerCommands>();

    public static RouteGroupBuilder MapCustomers(this RouteGroupBuilder v1)
    {
        var customers = v1.MapGroup("/customers").WithTags("Customers");
        customers.MapGet("/{id:guid}", Get).WithName("GetCustomer").RequireScope(Scopes.CustomersRead)
            .WithSummary("A customer: every platform identity and every conversation (of the brands this key may see; a key limited to brands sees only customers with a conversation of them).");
        customers.MapGet("/", Find).WithName("FindCustomers").RequireScope(Scopes.CustomersRead)
            .WithSummary("Look a customer up by platform identity: ?identity=whatsapp:447700900123.");
        customers.MapPost("/{id:guid}/identities", LinkIdentity).WithName("LinkCustomerIdentity").RequireScope(Scopes.CustomersWrite)
            .WithSummary("Link another platform identity to the customer (201; 200 if it was already theirs; 409 if it is another customer's). A key limited to brands links only to customers whose every conversation is of its brands.")
            .Validate<LinkIdentityRequest>().Idempotent();
        customers.MapPost("/{id:guid}/merge", Merge).WithName("MergeCustomers").RequireScope(Scopes.CustomersWrite)
            .WithSummary("Merge the customer named in the body into this one: identities and conversations follow; customer.merged names the id that is gone. A key limited to brands merges only customers whose every conversation is of its brands.")
            .Validate<MergeRequest>().Idempotent();
        return v1;
    }

    private static async Task<Results<Ok<Infrastructure.Page<CustomerView>>, ProblemHttpResult>> Find(
        string? identity, ClaimsPrincipal user, NpgsqlDataSource dataSource, CancellationToken ct)
    {
        var parts = identity?.Split(':', 2);
        if (parts is not [{ Length: > 0 } type, { Length: > 0 } platformUserId])
        {
            return Problem.Of(StatusCodes.Status400BadRequest, ProblemCodes.BadRequest, "Identity required", "Pass identity=<channelType>:<platformUserId>, e.g. whatsapp:447700900123.");
        }

        await using var command = dataSource.CreateCommand(
            "select customer_id from customer_identities where workspace_id = $1 and channel_type = $2 and platform_user_id = $3");
        command.Parameters.Add(new NpgsqlParameter { Value = user.RequiredWorkspaceId() });
        command.Parameters.Add(new NpgsqlParameter { Value = type.ToLowerInvariant() });
        command.Parameters.Add(new NpgsqlParameter { Value = platformUserId });
        var items = new List<CustomerView>();
        if (await command.ExecuteScalarAsync(ct) is Guid customerId && await ReadAsync(customerId, user, dataSource, ct) is { } customer)
        {
            items.Add(customer);
        }

        return TypedResults.Ok(new Infrastructure.Page<CustomerView>(items, null));
    }

    private static async Task<Results<Created<LinkIdentityResult>, Ok<LinkIdentityResult>, ProblemHttpResult>> LinkIdentity(
        Guid id, LinkIdentityRequest request, HttpContext http, CustomerCommands commands)
    {
        var (result, rejected) = await commands.LinkAsync(http.User.RequiredWorkspaceId(), id, request, http.User.Brands(), Actors.FromRequest(http), http.RequestAborted);
        if (rejected is not null)
        {
            return Problem.Of(rejected.Status, rejected.Code, "The identity cannot be linked", rejected.Detail);
        }

        return result!.Linked ? TypedResults.Created($"/v1/customers/{id}", result) : TypedResults.Ok(result);
    }

    private static async Task<Results<Ok<MergeResult>, ProblemHttpResult>> Merge(Guid id, MergeRequest request, HttpContext http, CustomerCommands commands)
    {
        var (result, rejected) = await commands.MergeAsync(
            http.User.RequiredWorkspaceId(), id, request.CustomerId, http.User.Brands(), Actors.FromRequest(http), http.RequestAborted);
        return rejected is not null
            ? Problem.Of(rejected.Status, rejected.Code, "The customers cannot be merged", rejected.Detail)
            : TypedResults.Ok(result!);
    }

    private static async Task<Results<Ok<CustomerView>, ProblemHttpResult>> Get(Guid id, ClaimsPrincipal user, NpgsqlDataSource dataSource, CancellationToken ct) =>
        await ReadAsync(id, user, dataSource, ct) is { } customer ? TypedResults.Ok(customer) : Problem.NotFound("The customer");

    private static async Task<CustomerView?> ReadAsync(Guid id, ClaimsPrincipal user, NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var batch = dataSource.CreateBatch();
        foreach (var sql in new[]
                 {
                     $"select display_name, created_at, merged_into from customers where workspace_id = $1 and id = $2 and {CustomerBrands.Readable}",
                     "select channel_type, platform_user_id, display_name, handle from customer_identities where workspace_id = $1 and customer_id = $2 order by created_at",
                     """
                     select id, brand, status, opened_at, last_activity_at from conversations
                     where workspace_id = $1 and customer_id = $2 and ($3::text[] is null or brand = any($3)) order by id desc limit 100
                     """,
                 })
        {
            var command = new NpgsqlBatchCommand(sql)
            {
                Parameters = { new NpgsqlParameter { Value = user.RequiredWorkspaceId() }, new NpgsqlParameter { Value = id } },
            };
            if (sql.Contains("$3", StringComparison.Ordinal))
            {
                command.Parameters.Add(new NpgsqlParameter<string[]?> { TypedValue = user.Brands()?.ToArray() });
            }

            batch.BatchCommands.Add(command);
        }

        await using var reader = await batch.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }

        var (displayName, createdAt) = (reader.IsDBNull(0) ? null : reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1));
        var mergedInto = reader.IsDBNull(2) ? (Guid?)null : reader.GetGuid(2);
        await reader.NextResultAsync(ct);
        var identities = new List<CustomerIdentity>();
        while (await reader.ReadAsync(ct))
        {
            identities.Add(new CustomerIdentity(reader.GetString(0), reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
        }

        await reader.NextResultAsync(ct);
        var conversations = new List<CustomerConversation>();
        while (await reader.ReadAsync(ct))
        {
            conversations.Add(new CustomerConversation(reader.GetGuid(0), reader.GetString(1), reader.GetString(2),
                reader.GetFieldValue<DateTimeOffset>(3), reader.GetFieldValue<DateTimeOffset>(4)));
        }

        return new CustomerView(id, displayName, createdAt, mergedInto, identities, conversations);
    }
}
