using Npgsql;
using SocialCare.Api.EventLog;
using SocialCare.Api.Workflow.Brands;

namespace SocialCare.Api.Workflow.Sla;

/// <summary>A brand's calendar, default SLA policy, name for people and languages, as the workflow processor reads
/// them.</summary>
public sealed record BrandCare(
    BusinessCalendar Calendar,
    SlaPolicyResponse? DefaultPolicy,
    string? DisplayName,
    IReadOnlyList<string> Languages
)
{
    /// <summary>A brand that was never configured: always open, no SLA.</summary>
    public static BrandCare Unconfigured { get; } = new(BusinessCalendar.AlwaysOpen, null, null, []);
}

/// <summary>
/// Reads and writes the SLA rows (<c>conversation_sla</c>, <c>sla_clocks</c>) in the workflow processor's
/// transaction, and reads them for the conversation view.
/// </summary>
public static class SlaStore
{
    private const string SlaColumns =
        "s.conversation_id, s.workspace_id, s.policy_id, s.policy_name, s.first_response, s.next_response, "
        + "s.resolution, s.business_hours_only, s.warn_before, s.count_automatic_replies, s.source, s.applied_at, "
        + "s.episode, s.responded_at";

    private const string ClockColumns =
        "k.conversation_id, k.workspace_id, k.episode, k.target, k.started_at, k.policy_id, k.policy_name, "
        + "k.warn_at, k.due_at, k.status, k.warned_at, k.met_at, k.breached_at, k.stopped_at, k.id";

    /// <summary>The SLA rows of <paramref name="conversationIds"/>, and their running clocks, into <paramref
    /// name="clocks"/>.</summary>
    public static async Task LoadAsync(
        EventWriter writer,
        SlaClocks clocks,
        IReadOnlyCollection<Guid> conversationIds,
        CancellationToken ct
    )
    {
        foreach (
            var sla in await writer.QueryAsync(
                $"select {SlaColumns} from conversation_sla s where s.conversation_id = any($1)",
                ReadSla,
                ct,
                conversationIds.ToArray()
            )
        )
        {
            clocks.Load(sla);
        }

        foreach (
            var clock in await writer.QueryAsync(
                $"select {ClockColumns} from sla_clocks k where k.conversation_id = any($1) and k.status = 'running'",
                ReadClock,
                ct,
                conversationIds.ToArray()
            )
        )
        {
            clocks.Load(clock);
        }
    }

    /// <summary>Clocks whose timer is due at <paramref name="now"/>, earliest first, locked (and skipped if another
    /// transaction holds them).</summary>
    public static Task<List<SlaClockRow>> DueAsync(
        EventWriter writer,
        DateTimeOffset now,
        int take,
        CancellationToken ct
    ) =>
        writer.QueryAsync(
            $"""
            select {ClockColumns} from sla_clocks k where k.next_at <= $1 order by k.next_at limit $2
            for update skip locked
            """,
            ReadClock,
            ct,
            now,
            take
        );

    /// <summary>When the next timer falls due, if any clock has one.</summary>
    public static async Task<DateTimeOffset?> NextDueAsync(EventWriter writer, CancellationToken ct) =>
        (
            await writer.QueryAsync(
                "select min(next_at) from sla_clocks where next_at is not null",
                r => r.IsDBNull(0) ? (DateTimeOffset?)null : r.GetFieldValue<DateTimeOffset>(0),
                ct
            )
        )[0];

    /// <summary>The care settings of the brands of <paramref name="brands"/> that are configured, by workspace and
    /// brand.</summary>
    public static async Task<Dictionary<(Guid, string), BrandCare>> BrandsAsync(
        EventWriter writer,
        IReadOnlyCollection<(Guid WorkspaceId, string Brand)> brands,
        CancellationToken ct
    )
    {
        var rows = await writer.QueryAsync(
            """
            select b.workspace_id, b.brand, b.time_zone, b.business_hours::text, b.holidays, p.id, p.name,
                p.first_response, p.next_response, p.resolution, p.business_hours_only, p.warn_before,
                p.count_automatic_replies, p.version, p.created_at, p.updated_at, b.display_name, b.languages
            from brands b
            left join sla_policies p on p.id = b.default_sla_policy_id and p.workspace_id = b.workspace_id
                and p.deleted_at is null
            where (b.workspace_id, b.brand) in (select * from unnest($1::uuid[], $2::text[]))
            """,
            r =>
                (
                    Key: (r.GetGuid(0), r.GetString(1)),
                    Care: new BrandCare(
                        BrandDays.Calendar(
                            r.GetString(2),
                            BrandDays.Hours(r.GetString(3)),
                            r.GetFieldValue<DateOnly[]>(4)
                        ),
                        r.IsDBNull(5) ? null : SlaPolicyStore.Read(r, 5),
                        r.IsDBNull(16) ? null : r.GetString(16),
                        r.GetFieldValue<string[]>(17)
                    )
                ),
            ct,
            brands.Select(b => b.WorkspaceId).ToArray(),
            brands.Select(b => b.Brand).ToArray()
        );
        return rows.ToDictionary(r => r.Key, r => r.Care);
    }

    /// <summary>Queues saving the SLA rows and clocks of <paramref name="clocks"/> that a pass started or
    /// changed.</summary>
    public static void Save(EventWriter writer, SlaClocks clocks)
    {
        foreach (var sla in clocks.ChangedSlas)
        {
            var p = sla.Policy;
            writer.Execute(
                """
                insert into conversation_sla (conversation_id, workspace_id, policy_id, policy_name, first_response,
                    next_response, resolution, business_hours_only, warn_before, count_automatic_replies, source,
                    applied_at, episode, responded_at)
                values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
                on conflict (conversation_id) do update set policy_id = excluded.policy_id,
                    policy_name = excluded.policy_name, first_response = excluded.first_response,
                    next_response = excluded.next_response, resolution = excluded.resolution,
                    business_hours_only = excluded.business_hours_only, warn_before = excluded.warn_before,
                    count_automatic_replies = excluded.count_automatic_replies, source = excluded.source,
                    applied_at = excluded.applied_at, episode = excluded.episode, responded_at = excluded.responded_at
                """,
                sla.ConversationId,
                sla.WorkspaceId,
                p.Id,
                p.Name,
                p.FirstResponse,
                p.NextResponse,
                p.Resolution,
                p.BusinessHoursOnly,
                p.WarnBefore,
                p.CountAutomaticReplies,
                sla.Source,
                sla.AppliedAt,
                sla.Episode,
                sla.RespondedAt
            );
        }

        foreach (var c in clocks.ChangedClocks)
        {
            writer.Execute(
                """
                insert into sla_clocks (conversation_id, workspace_id, episode, target, started_at, policy_id,
                    policy_name, warn_at, due_at, status, warned_at, met_at, breached_at, stopped_at, next_at, id)
                values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
                on conflict (id) do update set status = excluded.status,
                    warned_at = excluded.warned_at, met_at = excluded.met_at, breached_at = excluded.breached_at,
                    stopped_at = excluded.stopped_at, next_at = excluded.next_at
                """,
                c.ConversationId,
                c.WorkspaceId,
                c.Episode,
                c.Target,
                c.StartedAt,
                c.PolicyId,
                c.PolicyName,
                c.WarnAt,
                c.DueAt,
                c.Status,
                c.WarnedAt,
                c.MetAt,
                c.BreachedAt,
                c.StoppedAt,
                c.NextAt,
                c.Id
            );
        }
    }

    private static ConversationSla ReadSla(NpgsqlDataReader r) =>
        new()
        {
            ConversationId = r.GetGuid(0),
            WorkspaceId = r.GetGuid(1),
            Policy = new SlaPolicyResponse(
                r.GetGuid(2),
                r.GetString(3),
                r.IsDBNull(4) ? null : r.GetString(4),
                r.IsDBNull(5) ? null : r.GetString(5),
                r.IsDBNull(6) ? null : r.GetString(6),
                r.GetBoolean(7),
                r.IsDBNull(8) ? null : r.GetString(8),
                r.GetBoolean(9),
                0,
                r.GetFieldValue<DateTimeOffset>(11),
                r.GetFieldValue<DateTimeOffset>(11)
            ),
            Source = r.GetString(10),
            AppliedAt = r.GetFieldValue<DateTimeOffset>(11),
            Episode = r.GetInt32(12),
            RespondedAt = r.IsDBNull(13) ? null : r.GetFieldValue<DateTimeOffset>(13),
        };

    internal static SlaClockRow ReadClock(NpgsqlDataReader r) =>
        new()
        {
            ConversationId = r.GetGuid(0),
            WorkspaceId = r.GetGuid(1),
            Episode = r.GetInt32(2),
            Target = r.GetString(3),
            StartedAt = r.GetFieldValue<DateTimeOffset>(4),
            PolicyId = r.GetGuid(5),
            PolicyName = r.GetString(6),
            WarnAt = r.IsDBNull(7) ? null : r.GetFieldValue<DateTimeOffset>(7),
            DueAt = r.IsDBNull(8) ? null : r.GetFieldValue<DateTimeOffset>(8),
            Status = r.GetString(9),
            WarnedAt = r.IsDBNull(10) ? null : r.GetFieldValue<DateTimeOffset>(10),
            MetAt = r.IsDBNull(11) ? null : r.GetFieldValue<DateTimeOffset>(11),
            BreachedAt = r.IsDBNull(12) ? null : r.GetFieldValue<DateTimeOffset>(12),
            StoppedAt = r.IsDBNull(13) ? null : r.GetFieldValue<DateTimeOffset>(13),
            Id = r.GetGuid(14),
        };
}
