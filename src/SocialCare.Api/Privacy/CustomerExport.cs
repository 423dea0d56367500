using Npgsql;
using SocialCare.Api.Conversations;
using SocialCare.Api.Customers;

namespace SocialCare.Api.Privacy;

/// <summary>One event of the customer's or one of their conversations' streams, as the timeline shows it.</summary>
public sealed record ExportedEvent(Guid StreamId, TimelineEntry Event);

/// <summary>
/// Everything the hub holds about a customer, for a data-subject access request: the customer as it is now (identities,
/// and the customers merged into it), each of their conversations as it is now (status, tags, priority, links, context,
/// SLA, latest messages), and every event of their streams and their conversations' streams — every message, reply,
/// note, context change and survey answer, in order.
/// </summary>
public sealed record CustomerExportView(
    DateTimeOffset ExportedAt,
    CustomerView Customer,
    IReadOnlyList<Guid> MergedCustomerIds,
    IReadOnlyList<ConversationView> Conversations,
    IReadOnlyList<ExportedEvent> Events
);

/// <summary>Builds <see cref="CustomerExportView"/> from the read models and the log.</summary>
public sealed class CustomerExport(
    NpgsqlDataSource dataSource,
    CustomerReader customers,
    ConversationReader conversations,
    TimeProvider clock
)
{
    private const int Page = 500;

    /// <summary>The export, within what a key's <paramref name="brands"/> may see; null when the customer is not
    /// there.</summary>
    public async Task<CustomerExportView?> ExportAsync(
        Guid workspaceId,
        Guid customerId,
        IReadOnlyList<string>? brands,
        CancellationToken ct
    )
    {
        if (await customers.GetAsync(workspaceId, customerId, brands, ct) is not { } customer)
        {
            return null;
        }

        // The merged profiles' own streams hold identities of every brand: only for a key of every brand.
        var merged = new List<Guid>();
        await using (
            var command = dataSource.CreateCommand(
                """
                with recursive tree as (
                    select id from customers where workspace_id = $1 and merged_into = $2
                    union all
                    select c.id from customers c join tree on c.merged_into = tree.id)
                select id from tree order by id
                """
            )
        )
        {
            command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
            command.Parameters.Add(new NpgsqlParameter { Value = customer.Id });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (brands is null && await reader.ReadAsync(ct))
            {
                merged.Add(reader.GetGuid(0));
            }
        }

        // Every conversation, not only the most recent ones the customer view lists.
        var ids = new List<Guid>();
        await using (
            var command = dataSource.CreateCommand(
                """
                select id from conversations where workspace_id = $1 and customer_id = $2
                  and ($3::text[] is null or brand = any($3)) order by opened_at, id
                """
            )
        )
        {
            command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
            command.Parameters.Add(new NpgsqlParameter { Value = customer.Id });
            command.Parameters.Add(new NpgsqlParameter<string[]?> { TypedValue = brands?.ToArray() });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                ids.Add(reader.GetGuid(0));
            }
        }

        var views = new List<ConversationView>();
        foreach (var id in ids)
        {
            if (await conversations.GetAsync(workspaceId, id, ct) is { } view)
            {
                views.Add(view);
            }
        }

        var events = new List<ExportedEvent>();
        foreach (var stream in merged.Prepend(customer.Id).Concat(views.Select(v => v.Id)))
        {
            var after = 0L;
            while (true)
            {
                var page = await conversations.TimelineAsync(workspaceId, stream, after, Page, null, ct);
                events.AddRange(page.Select(e => new ExportedEvent(stream, e)));
                if (page.Count < Page)
                {
                    break;
                }

                after = page[^1].Version;
            }
        }

        return new CustomerExportView(clock.GetUtcNow(), customer, merged, views, events);
    }
}
