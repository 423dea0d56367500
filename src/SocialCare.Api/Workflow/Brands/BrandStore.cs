using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npgsql;
using SocialCare.Api.EventLog;
using SocialCare.Contracts;

namespace SocialCare.Api.Workflow.Brands;

/// <summary>
/// Brands' care settings: the <c>brands</c> table as the brand streams' last <c>brand.configured</c> left it, written
/// in the transaction that appends the event. A brand's stream id is derived from its workspace and name, so that it
/// needs no lookup and two hubs configuring the same brand meet on the same stream.
/// </summary>
public sealed class BrandStore(NpgsqlDataSource dataSource, TimeProvider clock)
{
    private const string Columns =
        "brand, display_name, time_zone, business_hours::text, holidays, default_sla_policy_id, languages, version, "
        + "created_at, updated_at";

    public static Guid StreamOf(Guid workspaceId, string brand)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"brand\n{workspaceId:N}\n{brand}"));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }

    public async Task<BrandResponse?> FindAsync(Guid workspaceId, string brand, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            $"select {Columns} from brands where workspace_id = $1 and brand = $2"
        );
        command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
        command.Parameters.Add(new NpgsqlParameter { Value = brand });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    /// <summary>A page of the workspace's configured brands in name order, within <paramref name="brands"/> when the
    /// key is limited to some.</summary>
    public async Task<List<BrandResponse>> ListAsync(
        Guid workspaceId,
        string? after,
        int take,
        IReadOnlyList<string>? brands,
        CancellationToken ct
    )
    {
        await using var command = dataSource.CreateCommand(
            $"""
            select {Columns} from brands
            where workspace_id = $1 and brand collate "C" > $2 and ($3::text[] is null or brand = any($3))
            order by brand collate "C" limit $4
            """
        );
        command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
        command.Parameters.Add(new NpgsqlParameter { Value = after ?? "" });
        command.Parameters.Add(new NpgsqlParameter<string[]?> { TypedValue = brands?.ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = take });
        var items = new List<BrandResponse>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            items.Add(Read(reader));
        }

        return items;
    }

    /// <summary>
    /// Takes the brand's lock for the rest of the writer's transaction (two changes of one brand run one after the
    /// other), then reads its stream's version (0 for a brand never configured) and whether it is configured now.
    /// </summary>
    public static async Task<(long Version, bool Configured)> LockAsync(
        EventWriter writer,
        Guid workspaceId,
        string brand,
        CancellationToken ct
    )
    {
        var stream = StreamOf(workspaceId, brand);
        writer.Lock([$"brand|{stream}"]);
        return (
            await writer.QueryAsync(
                """
                select coalesce((select version from mt_streams where id = $1), 0),
                    exists(select 1 from brands where workspace_id = $2 and brand = $3)
                """,
                r => (r.GetInt64(0), r.GetBoolean(1)),
                ct,
                stream,
                workspaceId,
                brand
            )
        )[0];
    }

    public static void Save(EventWriter writer, Guid workspaceId, BrandConfigured e, long version) =>
        writer.Execute(
            """
            insert into brands (workspace_id, brand, display_name, time_zone, business_hours, holidays,
                default_sla_policy_id, languages, version, created_at, updated_at)
            values ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10, $10)
            on conflict (workspace_id, brand) do update set display_name = excluded.display_name,
                time_zone = excluded.time_zone, business_hours = excluded.business_hours,
                holidays = excluded.holidays, default_sla_policy_id = excluded.default_sla_policy_id,
                languages = excluded.languages, version = excluded.version, updated_at = excluded.updated_at
            """,
            workspaceId,
            e.Brand,
            e.DisplayName,
            e.TimeZone,
            JsonSerializer.Serialize(e.BusinessHours, EventTypeRegistry.Json),
            e.Holidays.ToArray(),
            e.DefaultSlaPolicyId,
            e.Languages.ToArray(),
            version,
            e.RecordedAt
        );

    public static void Remove(EventWriter writer, Guid workspaceId, string brand) =>
        writer.Execute("delete from brands where workspace_id = $1 and brand = $2", workspaceId, brand);

    private BrandResponse Read(NpgsqlDataReader reader)
    {
        var (timeZone, hours, holidays) = (
            reader.GetString(2),
            BrandDays.Hours(reader.GetString(3)),
            reader.GetFieldValue<DateOnly[]>(4)
        );
        var now = clock.GetUtcNow();
        var next = BrandDays.Calendar(timeZone, hours, holidays).NextOpening(now);
        return new(
            reader.GetString(0),
            reader.IsDBNull(1) ? null : reader.GetString(1),
            timeZone,
            hours,
            holidays,
            reader.IsDBNull(5) ? null : reader.GetGuid(5),
            reader.GetFieldValue<string[]>(6),
            reader.GetInt64(7),
            reader.GetFieldValue<DateTimeOffset>(8),
            reader.GetFieldValue<DateTimeOffset>(9),
            next == now,
            next
        );
    }
}
