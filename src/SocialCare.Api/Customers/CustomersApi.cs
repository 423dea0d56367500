using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using SocialCare.Api.Authorization;
using SocialCare.Api.Infrastructure.Problems;
using SocialCare.Contracts;

namespace SocialCare.Api.Customers;

public sealed record CustomerConversation(Guid Id, string Brand, string Status, DateTimeOffset OpenedAt, DateTimeOffset LastActivityAt);

public sealed record CustomerView(Guid Id, string? DisplayName, DateTimeOffset CreatedAt, IReadOnlyList<CustomerIdentity> Identities, IReadOnlyList<CustomerConversation> Conversations);

public static class CustomersApi
{
    public static RouteGroupBuilder MapCustomers(this RouteGroupBuilder v1)
    {
        var customers = v1.MapGroup("/customers").WithTags("Customers").RequireScope(Scopes.CustomersRead);
        customers.MapGet("/{id:guid}", Get).WithName("GetCustomer")
            .WithSummary("A customer: every platform identity and every conversation (of the brands this key may see).");
        return v1;
    }

    private static async Task<Results<Ok<CustomerView>, ProblemHttpResult>> Get(Guid id, ClaimsPrincipal user, NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var batch = dataSource.CreateBatch();
        foreach (var sql in new[]
                 {
                     "select display_name, created_at from customers where workspace_id = $1 and id = $2",
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
            return Problem.NotFound("The customer");
        }

        var (displayName, createdAt) = (reader.IsDBNull(0) ? null : reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1));
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

        return TypedResults.Ok(new CustomerView(id, displayName, createdAt, identities, conversations));
    }
}
