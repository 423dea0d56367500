using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using SocialCare.Api.EventLog;
using SocialCare.Contracts;

namespace SocialCare.Api.Workflow.Rules;

/// <summary>Triage rules as their streams' events left them, written in the transaction that appends the
/// event.</summary>
public sealed class RuleStore(NpgsqlDataSource dataSource)
{
    private const string Columns =
        "id, name, enabled, \"order\", brands, trigger, conditions::text, actions::text, stop_processing, version, "
        + "created_at, updated_at";

    public async Task<RuleResponse?> FindAsync(Guid workspaceId, Guid id, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            $"select {Columns} from rules where workspace_id = $1 and id = $2 and deleted_at is null"
        );
        command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    /// <summary>A page of the workspace's rules in the order they run (<c>order</c>, then id); with <paramref
    /// name="brands"/>, only rules whose brands all lie within them.</summary>
    public async Task<List<RuleResponse>> ListAsync(
        Guid workspaceId,
        (int Order, Guid Id)? after,
        int take,
        IReadOnlyList<string>? brands,
        CancellationToken ct
    )
    {
        await using var command = dataSource.CreateCommand(
            $"""
            select {Columns} from rules
            where workspace_id = $1 and deleted_at is null
                and ($2::int is null or ("order", id) > ($2, $3))
                and ($4::text[] is null or (brands is not null and brands <@ $4))
            order by "order", id limit $5
            """
        );
        command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
        command.Parameters.Add(new NpgsqlParameter<int?> { TypedValue = after?.Order });
        command.Parameters.Add(new NpgsqlParameter<Guid?> { TypedValue = after?.Id });
        command.Parameters.Add(new NpgsqlParameter<string[]?> { TypedValue = brands?.ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = take });
        var items = new List<RuleResponse>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            items.Add(Read(reader));
        }

        return items;
    }

    /// <summary>The enabled rules of <paramref name="workspaces"/>, in the order they run, in the writer's
    /// transaction.</summary>
    public static async Task<ILookup<Guid, RuleResponse>> EnabledAsync(
        EventWriter writer,
        IReadOnlyCollection<Guid> workspaces,
        CancellationToken ct
    ) =>
        (
            await writer.QueryAsync(
                $"""
                select workspace_id, {Columns} from rules
                where workspace_id = any($1) and enabled and deleted_at is null order by "order", id
                """,
                r => (Workspace: r.GetGuid(0), Rule: Read(r, 1)),
                ct,
                workspaces.ToArray()
            )
        ).ToLookup(r => r.Workspace, r => r.Rule);

    /// <summary>The live rule, read and row-locked in the writer's transaction.</summary>
    public static async Task<RuleResponse?> LockAsync(
        EventWriter writer,
        Guid workspaceId,
        Guid id,
        CancellationToken ct
    ) =>
        (
            await writer.QueryAsync(
                $"select {Columns} from rules where workspace_id = $1 and id = $2 and deleted_at is null for update",
                r => Read(r),
                ct,
                workspaceId,
                id
            )
        ).SingleOrDefault();

    public static void Save(EventWriter writer, Guid workspaceId, RuleEvent e, long version) =>
        writer.Execute(
            """
            insert into rules (id, workspace_id, name, enabled, "order", brands, trigger, conditions, actions,
                stop_processing, version, created_at, updated_at, deleted_at)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13)
            on conflict (id) do update set name = excluded.name, enabled = excluded.enabled, "order" = excluded."order",
                brands = excluded.brands, trigger = excluded.trigger, conditions = excluded.conditions,
                actions = excluded.actions, stop_processing = excluded.stop_processing, version = excluded.version,
                updated_at = excluded.updated_at, deleted_at = excluded.deleted_at
            """,
            e.RuleId,
            workspaceId,
            e.Name,
            e.Enabled,
            e.Order,
            new NpgsqlParameter<string[]?> { TypedValue = e.Brands?.ToArray() },
            e.Trigger,
            Jsonb(e.Conditions),
            Jsonb(e.Actions),
            e.StopProcessing,
            version,
            e.RecordedAt,
            e is RuleDeleted ? e.RecordedAt : null
        );

    private static NpgsqlParameter Jsonb<T>(T value) =>
        new() { Value = JsonSerializer.Serialize(value, EventTypeRegistry.Json), NpgsqlDbType = NpgsqlDbType.Jsonb };

    private static RuleResponse Read(NpgsqlDataReader r) => Read(r, 0);

    private static RuleResponse Read(NpgsqlDataReader r, int at) =>
        new(
            r.GetGuid(at),
            r.GetString(at + 1),
            r.GetBoolean(at + 2),
            r.GetInt32(at + 3),
            r.IsDBNull(at + 4) ? null : r.GetFieldValue<string[]>(at + 4),
            r.GetString(at + 5),
            JsonSerializer.Deserialize<RuleConditions>(r.GetString(at + 6), EventTypeRegistry.Json)!,
            JsonSerializer.Deserialize<List<RuleAction>>(r.GetString(at + 7), EventTypeRegistry.Json)!,
            r.GetBoolean(at + 8),
            r.GetInt64(at + 9),
            r.GetFieldValue<DateTimeOffset>(at + 10),
            r.GetFieldValue<DateTimeOffset>(at + 11)
        );
}
