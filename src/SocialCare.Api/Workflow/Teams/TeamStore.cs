using Npgsql;
using SocialCare.Api.EventLog;
using SocialCare.Contracts;

namespace SocialCare.Api.Workflow.Teams;

/// <summary>The team an assignment names: whether the workspace has teams at all, and the live team of that name
/// (ignoring case) with its brands (null: every brand), if there is one.</summary>
public sealed record TeamMatch(bool HasTeams, string? Name, IReadOnlyList<string>? Brands)
{
    public static readonly TeamMatch None = new(false, null, null);
}

/// <summary>Teams as their streams' events left them, written in the transaction that appends the event.</summary>
public sealed class TeamStore(NpgsqlDataSource dataSource)
{
    private const string Columns = "id, name, brands, description, version, created_at, updated_at";

    public async Task<TeamResponse?> FindAsync(Guid workspaceId, Guid id, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            $"select {Columns} from teams where workspace_id = $1 and id = $2 and deleted_at is null"
        );
        command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    /// <summary>A page of the workspace's teams in id (creation) order; with <paramref name="brands"/>, only teams
    /// whose brands all lie within them.</summary>
    public async Task<List<TeamResponse>> ListAsync(
        Guid workspaceId,
        Guid? after,
        int take,
        IReadOnlyList<string>? brands,
        CancellationToken ct
    )
    {
        await using var command = dataSource.CreateCommand(
            $"""
            select {Columns} from teams
            where workspace_id = $1 and deleted_at is null and ($2::uuid is null or id > $2)
                and ($3::text[] is null or (brands is not null and brands <@ $3))
            order by id limit $4
            """
        );
        command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
        command.Parameters.Add(new NpgsqlParameter<Guid?> { TypedValue = after });
        command.Parameters.Add(new NpgsqlParameter<string[]?> { TypedValue = brands?.ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = take });
        var items = new List<TeamResponse>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            items.Add(Read(reader));
        }

        return items;
    }

    /// <summary>
    /// Whether another live team of the workspace has <paramref name="name"/> (ignoring case). Takes the name's lock
    /// for the rest of the transaction first, so that two creations or renames to one name run one after the other
    /// and the second sees the first (the unique index stays the last guard).
    /// </summary>
    public static async Task<bool> NameTakenAsync(
        EventWriter writer,
        Guid workspaceId,
        string name,
        Guid except,
        CancellationToken ct
    )
    {
        writer.Lock([$"team-name|{workspaceId:N}|{name.ToUpperInvariant()}"]);
        return (
            await writer.QueryAsync(
                """
                select exists(select 1 from teams where workspace_id = $1 and lower(name) = lower($2) and id <> $3
                    and deleted_at is null)
                """,
                r => r.GetBoolean(0),
                ct,
                workspaceId,
                name,
                except
            )
        )[0];
    }

    /// <summary>The live team, read and row-locked in the writer's transaction: what a change is decided on.</summary>
    public static async Task<TeamResponse?> LockAsync(
        EventWriter writer,
        Guid workspaceId,
        Guid id,
        CancellationToken ct
    ) =>
        (
            await writer.QueryAsync(
                $"select {Columns} from teams where workspace_id = $1 and id = $2 and deleted_at is null for update",
                Read,
                ct,
                workspaceId,
                id
            )
        ).SingleOrDefault();

    /// <summary>Whether <paramref name="exception"/> is the unique index on live team names refusing a name.</summary>
    public static bool IsNameTaken(Exception exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "teams_name" };

    /// <summary>The team <c>assign</c> names, in the command's transaction: whether the workspace has teams at all,
    /// and the live team of that name (ignoring case) with its brands, if there is one.</summary>
    public static async Task<TeamMatch> ForAssignmentAsync(
        EventWriter writer,
        Guid workspaceId,
        string team,
        CancellationToken ct
    ) =>
        (
            await writer.QueryAsync(
                """
                select exists(select 1 from teams where workspace_id = $1 and deleted_at is null), t.name, t.brands
                from (select 1) one
                left join teams t on t.workspace_id = $1 and lower(t.name) = lower($2) and t.deleted_at is null
                """,
                r => new TeamMatch(
                    r.GetBoolean(0),
                    r.IsDBNull(1) ? null : r.GetString(1),
                    r.IsDBNull(2) ? null : r.GetFieldValue<string[]>(2)
                ),
                ct,
                workspaceId,
                team
            )
        )[0];

    public static void Save(EventWriter writer, Guid workspaceId, TeamEvent e, long version) =>
        writer.Execute(
            """
            insert into teams (id, workspace_id, name, brands, description, version, created_at, updated_at, deleted_at)
            values ($1, $2, $3, $4, $5, $6, $7, $7, $8)
            on conflict (id) do update set name = excluded.name, brands = excluded.brands,
                description = excluded.description, version = excluded.version, updated_at = excluded.updated_at,
                deleted_at = excluded.deleted_at
            """,
            e.TeamId,
            workspaceId,
            e.Name,
            new NpgsqlParameter<string[]?> { TypedValue = e.Brands?.ToArray() },
            e.Description,
            version,
            e.RecordedAt,
            e is TeamDeleted ? e.RecordedAt : null
        );

    private static TeamResponse Read(NpgsqlDataReader reader) =>
        new(
            reader.GetGuid(0),
            reader.GetString(1),
            reader.IsDBNull(2) ? null : reader.GetFieldValue<string[]>(2),
            reader.IsDBNull(3) ? null : reader.GetString(3),
            reader.GetInt64(4),
            reader.GetFieldValue<DateTimeOffset>(5),
            reader.GetFieldValue<DateTimeOffset>(6)
        );
}
