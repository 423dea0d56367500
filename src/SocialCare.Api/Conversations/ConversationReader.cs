using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using SocialCare.Api.EventLog;
using SocialCare.Contracts;

namespace SocialCare.Api.Conversations;

public sealed record ConversationFilter(
    string? Status,
    string? Brand,
    Guid? ChannelId,
    Guid? CustomerId,
    IReadOnlyList<string>? AllowedBrands
)
{
    public string? Team { get; init; }
    public string? Agent { get; init; }
    public string? Tag { get; init; }
    public string? Priority { get; init; }

    /// <summary>A linked record as <c>system:recordType:recordId</c>, e.g. <c>billing:invoice:INV-1</c>.</summary>
    public (string System, string RecordType, string RecordId)? Link { get; init; }

    /// <summary>Most recently active first, instead of newest first.</summary>
    public bool ByLastActivity { get; init; }
}

/// <summary>Where a page ends: the last row's sort key, opaque to clients.</summary>
public sealed record ConversationCursor(DateTimeOffset? LastActivityAt, Guid Id)
{
    public override string ToString() =>
        LastActivityAt is { } at ? $"{(at - DateTimeOffset.UnixEpoch).Ticks / 10}_{Id}" : Id.ToString();

    public static bool TryParse(string? text, bool byLastActivity, out ConversationCursor? cursor)
    {
        cursor = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        var parts = text.Split('_');
        if (!byLastActivity)
        {
            return parts.Length == 1
                && Guid.TryParse(parts[0], out var id)
                && (cursor = new ConversationCursor(null, id)) is not null;
        }

        if (
            parts.Length == 2
            && long.TryParse(parts[0], System.Globalization.CultureInfo.InvariantCulture, out var micros)
            && Guid.TryParse(parts[1], out var after)
        )
        {
            cursor = new ConversationCursor(DateTimeOffset.UnixEpoch.AddTicks(micros * 10), after);
            return true;
        }

        return false;
    }
}

/// <summary>Queries over the conversation projections. Every query is scoped to one workspace.</summary>
public sealed class ConversationReader(NpgsqlDataSource dataSource, TimeProvider clock)
{
    public const int LatestEngagements = 20;

    public async Task<IReadOnlyList<ConversationSummary>> ListAsync(
        Guid workspaceId,
        ConversationFilter filter,
        ConversationCursor? after,
        int limit,
        CancellationToken ct
    )
    {
        var (order, page) = filter.ByLastActivity
            ? ("last_activity_at desc, id desc", "($9::timestamptz is null or (last_activity_at, id) < ($9, $7))")
            : ("id desc", "($7::uuid is null or id < $7)");
        await using var command = dataSource.CreateCommand(
            $"""
            select id, brand, status, customer_id, current_channel_id, channel_types, opened_at, last_activity_at,
                resolved_at, engagement_count, version
            from conversations c
            where workspace_id = $1
              and ($2::text is null or status = $2) and ($3::text is null or brand = $3)
              and ($4::uuid is null or $4 = any(channel_ids)) and ($5::uuid is null or customer_id = $5)
              and ($6::text[] is null or brand = any($6)) and {page}
              and ($10::text is null or assigned_team = $10) and ($11::text is null or assigned_agent = $11)
              and ($12::text is null or tags @> array[$12]) and ($13::text is null or priority = $13)
              and ($14::text is null or exists (select 1 from conversation_links l where l.conversation_id = c.id
                                                 and l.system = $14 and l.record_type = $15 and l.record_id = $16))
            order by {order} limit $8
            """
        );
        command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = filter.Status });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = filter.Brand });
        command.Parameters.Add(new NpgsqlParameter<Guid?> { TypedValue = filter.ChannelId });
        command.Parameters.Add(new NpgsqlParameter<Guid?> { TypedValue = filter.CustomerId });
        command.Parameters.Add(new NpgsqlParameter<string[]?> { TypedValue = filter.AllowedBrands?.ToArray() });
        command.Parameters.Add(new NpgsqlParameter<Guid?> { TypedValue = after?.Id });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset?> { TypedValue = after?.LastActivityAt });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = filter.Team });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = filter.Agent });
        command.Parameters.Add(
            new NpgsqlParameter<string?>
            {
                TypedValue = filter.Tag is null ? null : ConversationDecisions.NormaliseTag(filter.Tag),
            }
        );
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = filter.Priority });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = filter.Link?.System });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = filter.Link?.RecordType });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = filter.Link?.RecordId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var items = new List<ConversationSummary>();
        while (await reader.ReadAsync(ct))
        {
            items.Add(
                new ConversationSummary(
                    reader.GetGuid(0),
                    reader.GetString(1),
                    reader.GetString(2),
                    reader.GetGuid(3),
                    reader.GetGuid(4),
                    reader.GetFieldValue<string[]>(5),
                    reader.GetFieldValue<DateTimeOffset>(6),
                    reader.GetFieldValue<DateTimeOffset>(7),
                    reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8),
                    reader.GetInt32(9),
                    reader.GetInt64(10)
                )
            );
        }

        return items;
    }

    /// <summary>The conversation with its customer, channels and latest engagements, read in one round trip.</summary>
    public async Task<ConversationView?> GetAsync(Guid workspaceId, Guid id, CancellationToken ct)
    {
        await using var batch = dataSource.CreateBatch();
        foreach (
            var command in new[]
            {
                Command(
                    """
                    select c.id, c.brand, c.status, c.customer_id, cu.display_name, c.current_channel_id, c.opened_at,
                        c.last_activity_at,
                           c.last_inbound_at, c.resolved_at, c.engagement_count, c.version, c.acknowledged_at,
                           c.assigned_team, c.assigned_agent, c.tags, c.priority, c.priority_reason,
                           c.claim_app, c.claim_person, c.claim_expires_at, c.episode,
                           coalesce(c.episode_opened_at, c.opened_at)
                    from conversations c join customers cu on cu.id = c.customer_id
                    where c.workspace_id = $1 and c.id = $2
                    """,
                    workspaceId,
                    id
                ),
                Command(
                    """
                    select i.channel_type, i.platform_user_id, i.display_name, i.handle
                    from customer_identities i join conversations c on c.customer_id = i.customer_id
                    where c.workspace_id = $1 and c.id = $2 order by i.created_at
                    """,
                    workspaceId,
                    id
                ),
                Command(
                    """
                    select ch.id, ch.type, ch.name from conversations c join channels ch on ch.id = any(c.channel_ids)
                    where c.workspace_id = $1 and c.id = $2 order by array_position(c.channel_ids, ch.id)
                    """,
                    workspaceId,
                    id
                ),
                Command(
                    $"""
                    select e.id, e.channel_id, ch.type, e.platform_message_id, e.thread_key, e.author::text, e.text,
                        e.attachments::text,
                           e.visibility, e.language, e.metadata::text, e.occurred_at, e.received_at
                    from engagements e join channels ch on ch.id = e.channel_id
                    where e.workspace_id = $1 and e.conversation_id = $2
                    order by e.occurred_at desc, e.id desc limit {LatestEngagements}
                    """,
                    workspaceId,
                    id
                ),
                Command(
                    """
                    select l.system, l.record_type, l.record_id, l.url, l.linked_by, l.linked_at
                    from conversation_links l where l.workspace_id = $1 and l.conversation_id = $2 order by l.linked_at
                    """,
                    workspaceId,
                    id
                ),
                Command(
                    $"""
                    select r.id, r.channel_id, r.recipient, r.text, r.attachments::text, r.visibility, r.status,
                        r.platform_message_id, r.error::text,
                           r.requested_by, r.requested_at, r.sent_at, r.delivered_at, r.read_at, r.failed_at
                    from replies r where r.workspace_id = $1 and r.conversation_id = $2 order by r.requested_at desc
                        limit {LatestEngagements}
                    """,
                    workspaceId,
                    id
                ),
                Command(
                    """
                    select x.namespace, x.key, x.value::text, x.personal from conversation_context x join conversations c on c.id =
                        x.conversation_id
                    where c.workspace_id = $1 and x.conversation_id = $2 order by x.namespace, x.key
                    """,
                    workspaceId,
                    id
                ),
                Command(
                    """
                    select s.policy_id, s.policy_name, s.source, s.business_hours_only, s.applied_at, s.episode,
                        k.target, k.status, k.started_at, k.warn_at, k.due_at, k.met_at, k.breached_at
                    from conversation_sla s join conversations c on c.id = s.conversation_id
                    left join lateral (
                        select distinct on (k.target) * from sla_clocks k
                        where k.conversation_id = s.conversation_id and k.episode = s.episode
                            and k.policy_id = s.policy_id
                        order by k.target, k.started_at desc, k.id desc) k on true
                    where c.workspace_id = $1 and s.conversation_id = $2
                    order by array_position(array['firstResponse', 'nextResponse', 'resolution'], k.target)
                    """,
                    workspaceId,
                    id
                ),
            }
        )
        {
            batch.BatchCommands.Add(command);
        }

        await using var reader = await batch.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }

        var (brand, status, customerId, displayName, current) = (
            reader.GetString(1),
            reader.GetString(2),
            reader.GetGuid(3),
            reader.IsDBNull(4) ? null : reader.GetString(4),
            reader.GetGuid(5)
        );
        var (openedAt, lastActivityAt, lastInboundAt, resolvedAt) = (
            reader.GetFieldValue<DateTimeOffset>(6),
            reader.GetFieldValue<DateTimeOffset>(7),
            reader.IsDBNull(8) ? (DateTimeOffset?)null : reader.GetFieldValue<DateTimeOffset>(8),
            reader.IsDBNull(9) ? (DateTimeOffset?)null : reader.GetFieldValue<DateTimeOffset>(9)
        );
        var (count, version) = (reader.GetInt32(10), reader.GetInt64(11));
        var acknowledgedAt = reader.IsDBNull(12) ? (DateTimeOffset?)null : reader.GetFieldValue<DateTimeOffset>(12);
        var (episode, episodeOpenedAt) = (reader.GetInt32(21), reader.GetFieldValue<DateTimeOffset>(22));
        var assignment = new Assignment(NullableString(reader, 13), NullableString(reader, 14));
        var (tags, priority) = (
            reader.GetFieldValue<string[]>(15),
            new Priority(reader.GetString(16), NullableString(reader, 17))
        );
        var claim =
            reader.IsDBNull(20) || reader.GetFieldValue<DateTimeOffset>(20) <= clock.GetUtcNow()
                ? null
                : new ClaimView(
                    reader.GetString(18),
                    NullableString(reader, 19),
                    reader.GetFieldValue<DateTimeOffset>(20)
                );

        await reader.NextResultAsync(ct);
        var identities = await Customers.CustomerReader.IdentitiesAsync(reader, ct);

        await reader.NextResultAsync(ct);
        var channels = new List<ChannelRef>();
        while (await reader.ReadAsync(ct))
        {
            channels.Add(new ChannelRef(reader.GetGuid(0), reader.GetString(1), reader.GetString(2)));
        }

        await reader.NextResultAsync(ct);
        var engagements = new List<EngagementView>();
        while (await reader.ReadAsync(ct))
        {
            engagements.Add(
                new EngagementView(
                    reader.GetGuid(0),
                    reader.GetGuid(1),
                    reader.GetString(2),
                    reader.GetString(3),
                    NullableString(reader, 4),
                    JsonSerializer.Deserialize<EngagementAuthor>(reader.GetString(5), EventTypeRegistry.Json)!,
                    NullableString(reader, 6),
                    JsonSerializer.Deserialize<List<Attachment>>(reader.GetString(7), EventTypeRegistry.Json)!,
                    reader.GetString(8),
                    NullableString(reader, 9),
                    reader.IsDBNull(10) ? null : JsonSerializer.Deserialize<JsonElement>(reader.GetString(10)),
                    reader.GetFieldValue<DateTimeOffset>(11),
                    reader.GetFieldValue<DateTimeOffset>(12)
                )
            );
        }

        await reader.NextResultAsync(ct);
        var links = new List<LinkView>();
        while (await reader.ReadAsync(ct))
        {
            links.Add(
                new LinkView(
                    reader.GetString(0),
                    reader.GetString(1),
                    reader.GetString(2),
                    NullableString(reader, 3),
                    NullableString(reader, 4),
                    reader.GetFieldValue<DateTimeOffset>(5)
                )
            );
        }

        await reader.NextResultAsync(ct);
        var replies = new List<ReplyView>();
        while (await reader.ReadAsync(ct))
        {
            DateTimeOffset? At(int i) => reader.IsDBNull(i) ? null : reader.GetFieldValue<DateTimeOffset>(i);
            replies.Add(
                new ReplyView(
                    reader.GetGuid(0),
                    reader.GetGuid(1),
                    NullableString(reader, 2),
                    NullableString(reader, 3),
                    JsonSerializer.Deserialize<List<Attachment>>(reader.GetString(4), EventTypeRegistry.Json)!,
                    reader.GetString(5),
                    reader.GetString(6),
                    NullableString(reader, 7),
                    reader.IsDBNull(8)
                        ? null
                        : JsonSerializer.Deserialize<PlatformError>(reader.GetString(8), EventTypeRegistry.Json),
                    NullableString(reader, 9),
                    reader.GetFieldValue<DateTimeOffset>(10),
                    At(11),
                    At(12),
                    At(13),
                    At(14)
                )
            );
        }

        await reader.NextResultAsync(ct);
        var context = new Dictionary<string, Dictionary<string, JsonElement>>(StringComparer.Ordinal);
        var personalContext = new Dictionary<string, Dictionary<string, JsonElement>>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct))
        {
            var into = reader.GetBoolean(3) ? personalContext : context;
            var values = into.TryGetValue(reader.GetString(0), out var existing)
                ? existing
                : into[reader.GetString(0)] = new(StringComparer.Ordinal);
            values[reader.GetString(1)] = JsonSerializer.Deserialize<JsonElement>(reader.GetString(2));
        }

        await reader.NextResultAsync(ct);
        var sla = await ReadSlaAsync(reader, ct);

        var durations = new Durations(
            acknowledgedAt is { } ack ? Math.Round((ack - episodeOpenedAt).TotalSeconds, 3) : null,
            resolvedAt is { } res ? Math.Round((res - episodeOpenedAt).TotalSeconds, 3) : null
        );
        return new ConversationView(
            id,
            brand,
            status,
            claim,
            new CustomerSummary(customerId, displayName, identities),
            channels,
            current,
            openedAt,
            episode,
            episodeOpenedAt,
            lastActivityAt,
            lastInboundAt,
            acknowledgedAt,
            resolvedAt,
            durations,
            assignment,
            tags,
            priority,
            sla,
            links,
            Namespaces(context),
            Namespaces(personalContext),
            count,
            version,
            engagements,
            replies
        );
    }

    /// <summary>The conversation's own events in stream order, after <paramref name="afterVersion"/>; with
    /// <paramref name="view"/>, personal fields as that view shows them.</summary>
    public async Task<IReadOnlyList<TimelineEntry>> TimelineAsync(
        Guid workspaceId,
        Guid id,
        long afterVersion,
        int limit,
        Privacy.PiiView? view,
        CancellationToken ct
    )
    {
        await using var command = dataSource.CreateCommand(
            """
            select version, seq_id, id, type, coalesce((data ->> 'recordedAt')::timestamptz, timestamp), data::text
                from mt_events
            where tenant_id = $1 and stream_id = $2 and version > $3
            order by version limit $4
            """
        );
        command.Parameters.Add(new NpgsqlParameter { Value = MartenEventStore.TenantOf(workspaceId) });
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = afterVersion });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var items = new List<TimelineEntry>();
        while (await reader.ReadAsync(ct))
        {
            long? seq = reader.IsDBNull(1) ? null : reader.GetInt64(1);
            var data = JsonNode.Parse(reader.GetString(5))!.AsObject();
            data["sequence"] = seq ?? 0;
            if (view is not null && EventTypeRegistry.TryGetType(reader.GetString(3), out var contract))
            {
                Privacy.EventRedaction.Apply(data, contract, view);
            }

            var actor = data["actor"].Deserialize<EventActor>(EventTypeRegistry.Json) ?? EventActor.System;
            items.Add(
                new TimelineEntry(
                    reader.GetInt64(0),
                    seq,
                    reader.GetGuid(2),
                    reader.GetString(3),
                    reader.GetFieldValue<DateTimeOffset>(4),
                    actor,
                    data
                )
            );
        }

        return items;
    }

    /// <summary>The conversation's brand, or null when it is not in the workspace.</summary>
    public async Task<string?> FindBrandAsync(Guid workspaceId, Guid id, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "select brand from conversations where workspace_id = $1 and id = $2"
        );
        command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        return await command.ExecuteScalarAsync(ct) as string;
    }

    private static async Task<SlaView?> ReadSlaAsync(NpgsqlDataReader reader, CancellationToken ct)
    {
        SlaView? sla = null;
        var targets = new List<SlaTargetView>();
        while (await reader.ReadAsync(ct))
        {
            sla ??= new SlaView(
                reader.GetGuid(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetBoolean(3),
                reader.GetFieldValue<DateTimeOffset>(4),
                reader.GetInt32(5),
                targets
            );
            if (!reader.IsDBNull(6))
            {
                DateTimeOffset? At(int i) => reader.IsDBNull(i) ? null : reader.GetFieldValue<DateTimeOffset>(i);
                targets.Add(
                    new SlaTargetView(
                        reader.GetString(6),
                        reader.GetString(7),
                        reader.GetFieldValue<DateTimeOffset>(8),
                        At(9),
                        At(10),
                        At(11),
                        At(12)
                    )
                );
            }
        }

        return sla;
    }

    private static string? NullableString(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static NpgsqlBatchCommand Command(string sql, Guid workspaceId, Guid id) =>
        new(sql)
        {
            Parameters =
            {
                new NpgsqlParameter { Value = workspaceId },
                new NpgsqlParameter { Value = id },
            },
        };

    private static Dictionary<string, IReadOnlyDictionary<string, JsonElement>> Namespaces(
        Dictionary<string, Dictionary<string, JsonElement>> values
    ) =>
        values.ToDictionary(p => p.Key, p => (IReadOnlyDictionary<string, JsonElement>)p.Value, StringComparer.Ordinal);
}
