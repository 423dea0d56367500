using Npgsql;
using SocialCare.Api.EventLog;
using SocialCare.Contracts;

namespace SocialCare.Api.Workflow.Sla;

/// <summary>SLA policies as their streams' events left them, written in the transaction that appends the event.</summary>
public sealed class SlaPolicyStore(NpgsqlDataSource dataSource)
{
    private const string Columns =
        "id, name, first_response, next_response, resolution, business_hours_only, warn_before, "
        + "count_automatic_replies, version, created_at, updated_at";

    public async Task<SlaPolicyResponse?> FindAsync(Guid workspaceId, Guid id, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            $"select {Columns} from sla_policies where workspace_id = $1 and id = $2 and deleted_at is null"
        );
        command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    /// <summary>A page of the workspace's policies in id (creation) order.</summary>
    public async Task<List<SlaPolicyResponse>> ListAsync(Guid workspaceId, Guid? after, int take, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            select {Columns} from sla_policies
            where workspace_id = $1 and deleted_at is null and ($2::uuid is null or id > $2)
            order by id limit $3
            """
        );
        command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
        command.Parameters.Add(new NpgsqlParameter<Guid?> { TypedValue = after });
        command.Parameters.Add(new NpgsqlParameter { Value = take });
        var items = new List<SlaPolicyResponse>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            items.Add(Read(reader));
        }

        return items;
    }

    /// <summary>The live policy, read and row-locked in the writer's transaction: what a change, or a brand naming it
    /// as its default, is decided on.</summary>
    public static Task<SlaPolicyResponse?> LockAsync(
        EventWriter writer,
        Guid workspaceId,
        Guid id,
        CancellationToken ct
    ) => ReadAsync(writer, workspaceId, id, ct, lockRow: true);

    /// <summary>The live policy, in the writer's transaction; row-locked with <paramref name="lockRow"/>.</summary>
    public static async Task<SlaPolicyResponse?> ReadAsync(
        EventWriter writer,
        Guid workspaceId,
        Guid id,
        CancellationToken ct,
        bool lockRow = false
    ) =>
        (
            await writer.QueryAsync(
                $"select {Columns} from sla_policies where workspace_id = $1 and id = $2 and deleted_at is null "
                    + (lockRow ? "for update" : ""),
                Read,
                ct,
                workspaceId,
                id
            )
        ).SingleOrDefault();

    /// <summary>The brands whose default the policy is, in the writer's transaction.</summary>
    public static async Task<List<string>> DefaultOfAsync(
        EventWriter writer,
        Guid workspaceId,
        Guid id,
        CancellationToken ct
    ) =>
        await writer.QueryAsync(
            "select brand from brands where workspace_id = $1 and default_sla_policy_id = $2 order by brand",
            r => r.GetString(0),
            ct,
            workspaceId,
            id
        );

    public static void Save(EventWriter writer, Guid workspaceId, SlaPolicyEvent e, long version) =>
        writer.Execute(
            """
            insert into sla_policies (id, workspace_id, name, first_response, next_response, resolution,
                business_hours_only, warn_before, count_automatic_replies, version, created_at, updated_at, deleted_at)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12)
            on conflict (id) do update set name = excluded.name, first_response = excluded.first_response,
                next_response = excluded.next_response, resolution = excluded.resolution,
                business_hours_only = excluded.business_hours_only, warn_before = excluded.warn_before,
                count_automatic_replies = excluded.count_automatic_replies, version = excluded.version,
                updated_at = excluded.updated_at, deleted_at = excluded.deleted_at
            """,
            e.PolicyId,
            workspaceId,
            e.Name,
            e.FirstResponse,
            e.NextResponse,
            e.Resolution,
            e.BusinessHoursOnly,
            e.WarnBefore,
            e.CountAutomaticReplies,
            version,
            e.RecordedAt,
            e is SlaPolicyDeleted ? e.RecordedAt : null
        );

    internal static SlaPolicyResponse Read(NpgsqlDataReader reader) => Read(reader, 0);

    /// <summary>A policy from its columns (in the order of <c>Columns</c>) starting at <paramref name="at"/>.</summary>
    internal static SlaPolicyResponse Read(NpgsqlDataReader reader, int at) =>
        new(
            reader.GetGuid(at),
            reader.GetString(at + 1),
            reader.IsDBNull(at + 2) ? null : reader.GetString(at + 2),
            reader.IsDBNull(at + 3) ? null : reader.GetString(at + 3),
            reader.IsDBNull(at + 4) ? null : reader.GetString(at + 4),
            reader.GetBoolean(at + 5),
            reader.IsDBNull(at + 6) ? null : reader.GetString(at + 6),
            reader.GetBoolean(at + 7),
            reader.GetInt64(at + 8),
            reader.GetFieldValue<DateTimeOffset>(at + 9),
            reader.GetFieldValue<DateTimeOffset>(at + 10)
        );
}
