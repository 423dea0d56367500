using Npgsql;
using SocialCare.Contracts;

namespace SocialCare.Api.Customers;

public sealed record CustomerConversation(
    Guid Id,
    string Brand,
    [KnownValues(typeof(Conversations.ConversationStatus))] string Status,
    DateTimeOffset OpenedAt,
    DateTimeOffset LastActivityAt
);

/// <summary>A customer; <c>mergedInto</c> names the survivor when this customer was merged away.</summary>
public sealed record CustomerView(
    Guid Id,
    [Pii(PiiCategories.Identity)] string? DisplayName,
    DateTimeOffset CreatedAt,
    Guid? MergedInto,
    IReadOnlyList<CustomerIdentity> Identities,
    IReadOnlyList<CustomerConversation> Conversations
);

/// <summary>Reads customers as the API shows them, within what a key's brands let it see (<see
/// cref="CustomerBrands"/>).</summary>
public sealed class CustomerReader(NpgsqlDataSource dataSource)
{
    /// <summary>A customer's identities from a result set of (channel type, platform user id,
    /// display name, handle).</summary>
    internal static async Task<List<CustomerIdentity>> IdentitiesAsync(NpgsqlDataReader reader, CancellationToken ct)
    {
        var identities = new List<CustomerIdentity>();
        while (await reader.ReadAsync(ct))
        {
            identities.Add(
                new CustomerIdentity(
                    reader.GetString(0),
                    reader.GetString(1),
                    reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3)
                )
            );
        }

        return identities;
    }

    /// <summary>The customer holding a platform identity in the workspace, if any.</summary>
    public async Task<Guid?> FindByIdentityAsync(
        Guid workspaceId,
        string channelType,
        string platformUserId,
        CancellationToken ct
    )
    {
        await using var command = dataSource.CreateCommand(
            "select customer_id from customer_identities where workspace_id = $1 and channel_type = $2 and "
                + "platform_user_id = $3"
        );
        command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
        command.Parameters.Add(new NpgsqlParameter { Value = channelType });
        command.Parameters.Add(new NpgsqlParameter { Value = platformUserId });
        return await command.ExecuteScalarAsync(ct) as Guid?;
    }

    public async Task<CustomerView?> GetAsync(
        Guid workspaceId,
        Guid id,
        IReadOnlyList<string>? brands,
        CancellationToken ct
    )
    {
        await using var batch = dataSource.CreateBatch();
        foreach (
            var sql in new[]
            {
                "select display_name, created_at, merged_into from customers where workspace_id = $1 and id = $2 "
                    + $"and {CustomerBrands.Readable}",
                "select channel_type, platform_user_id, display_name, handle from customer_identities where "
                    + "workspace_id = $1 and customer_id = $2 order by created_at",
                """
                    select id, brand, status, opened_at, last_activity_at from conversations
                    where workspace_id = $1 and customer_id = $2 and ($3::text[] is null or brand = any($3)) order by
                        id desc limit 100
                    """,
            }
        )
        {
            var command = new NpgsqlBatchCommand(sql)
            {
                Parameters =
                {
                    new NpgsqlParameter { Value = workspaceId },
                    new NpgsqlParameter { Value = id },
                },
            };
            if (sql.Contains("$3", StringComparison.Ordinal))
            {
                command.Parameters.Add(new NpgsqlParameter<string[]?> { TypedValue = brands?.ToArray() });
            }

            batch.BatchCommands.Add(command);
        }

        await using var reader = await batch.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }

        var (displayName, createdAt) = (
            reader.IsDBNull(0) ? null : reader.GetString(0),
            reader.GetFieldValue<DateTimeOffset>(1)
        );
        var mergedInto = reader.IsDBNull(2) ? (Guid?)null : reader.GetGuid(2);
        await reader.NextResultAsync(ct);
        var identities = await IdentitiesAsync(reader, ct);

        await reader.NextResultAsync(ct);
        var conversations = new List<CustomerConversation>();
        while (await reader.ReadAsync(ct))
        {
            conversations.Add(
                new CustomerConversation(
                    reader.GetGuid(0),
                    reader.GetString(1),
                    reader.GetString(2),
                    reader.GetFieldValue<DateTimeOffset>(3),
                    reader.GetFieldValue<DateTimeOffset>(4)
                )
            );
        }

        return new CustomerView(id, displayName, createdAt, mergedInto, identities, conversations);
    }
}
