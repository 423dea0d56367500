using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FluentValidation;
using Microsoft.Extensions.Options;
using Npgsql;
using SocialCare.Api.EventLog;
using SocialCare.Contracts;

namespace SocialCare.Api.Privacy;

/// <summary>
/// How long a workspace keeps customers' words: <c>engagementText</c> (the text of engagements and replies),
/// <c>attachments</c> (theirs), <c>closedConversations</c> (every personal field of a conversation resolved that long
/// ago). Each an ISO 8601 duration of days, weeks, months or years (<c>P90D</c>, <c>P2Y</c>), at least a day; null
/// keeps it for ever.
/// </summary>
public sealed record RetentionPolicy(string? EngagementText, string? Attachments, string? ClosedConversations);

/// <summary>A workspace's retention policy as stored.</summary>
public sealed record RetentionView(
    string? EngagementText,
    string? Attachments,
    string? ClosedConversations,
    DateTimeOffset UpdatedAt
);

internal sealed partial class RetentionPolicyValidator : AbstractValidator<RetentionPolicy>
{
    [GeneratedRegex(@"^P(?=\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?$")]
    private static partial Regex Duration();

    /// <summary>The longest policy: PostgreSQL must be able to subtract it from now.</summary>
    private static readonly TimeSpan MaxLength = TimeSpan.FromDays(36_525);

    public RetentionPolicyValidator()
    {
        foreach (
            var (field, name) in new (System.Linq.Expressions.Expression<Func<RetentionPolicy, string?>>, string)[]
            {
                (r => r.EngagementText, "engagementText"),
                (r => r.Attachments, "attachments"),
                (r => r.ClosedConversations, "closedConversations"),
            }
        )
        {
            RuleFor(field)
                .Must(d =>
                    d is null
                    || (
                        d.Length <= 32
                        && Duration().IsMatch(d)
                        && Retention.Length(d) >= TimeSpan.FromDays(1)
                        && Retention.Length(d) <= MaxLength
                    )
                )
                .WithMessage(
                    $"'{name}' is an ISO 8601 duration of years, months, weeks and days (P90D, P2Y), from P1D to "
                        + "P100Y; null keeps it for ever."
                );
        }
    }
}

/// <summary>
/// Applies the workspaces' retention policies: a durable job (every <c>Privacy:RetentionInterval</c>) that removes
/// what is due in batches, each in its own transaction under the workspace's advisory lock (so hub instances take
/// turns), with the same effect as an erasure for those fields — the log, the read models, the stored webhook payloads
/// — and appends <c>retention.applied</c> with the counts. A crash half-way leaves whole batches done and the rest for
/// the next pass.
/// </summary>
public sealed partial class Retention(
    NpgsqlDataSource dataSource,
    EventStore store,
    TimeProvider clock,
    IOptionsMonitor<PrivacyOptions> options,
    ILogger<Retention> logger
) : PrivacyJob(clock, logger)
{
    private const int Batch = 200;

    /// <summary>The length of an ISO 8601 duration of the policy's form, a month as 30 days and a year as 365 (the
    /// job itself lets PostgreSQL subtract the interval from now, calendar-exact).</summary>
    public static TimeSpan Length(string duration)
    {
        const long Longest = 10_000_000;
        var days = 0L;
        foreach (Match part in Regex.Matches(duration, @"(\d+)([YMWD])"))
        {
            if (!long.TryParse(part.Groups[1].Value, CultureInfo.InvariantCulture, out var n) || n > Longest)
            {
                return TimeSpan.FromDays(Longest);
            }

            days += part.Groups[2].Value switch
            {
                "Y" => n * 365,
                "M" => n * 30,
                "W" => n * 7,
                _ => n,
            };
        }

        return TimeSpan.FromDays(Math.Min(days, Longest));
    }

    public async Task<RetentionView> SetAsync(Guid workspaceId, RetentionPolicy policy, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            """
            insert into workspace_retention (workspace_id, engagement_text, attachments, closed_conversations,
                updated_at)
            values ($1, $2, $3, $4, $5)
            on conflict (workspace_id) do update set engagement_text = excluded.engagement_text, attachments =
                excluded.attachments, closed_conversations = excluded.closed_conversations, updated_at =
                excluded.updated_at
            returning engagement_text, attachments, closed_conversations, updated_at
            """
        );
        command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = policy.EngagementText });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = policy.Attachments });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = policy.ClosedConversations });
        command.Parameters.Add(new NpgsqlParameter { Value = Clock.GetUtcNow() });
        return (await ReadAsync(command, ct))!;
    }

    public async Task<RetentionView?> GetAsync(Guid workspaceId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            """
            select engagement_text, attachments, closed_conversations, updated_at from workspace_retention
            where workspace_id = $1
            """
        );
        command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
        return await ReadAsync(command, ct);
    }

    private static async Task<RetentionView?> ReadAsync(NpgsqlCommand command, CancellationToken ct)
    {
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new RetentionView(
                reader.IsDBNull(0) ? null : reader.GetString(0),
                reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetFieldValue<DateTimeOffset>(3)
            )
            : null;
    }

    protected override TimeSpan Interval => options.CurrentValue.RetentionInterval;

    protected override Task PassAsync(CancellationToken ct) => ApplyAllAsync(ct);

    /// <summary>One pass over every workspace with a policy, until nothing more is due.</summary>
    public async Task ApplyAllAsync(CancellationToken ct)
    {
        var workspaces = new List<Guid>();
        await using (var command = dataSource.CreateCommand("select workspace_id from workspace_retention"))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                workspaces.Add(reader.GetGuid(0));
            }
        }

        foreach (var workspaceId in workspaces)
        {
            try
            {
                while (await store.WriteAsync(writer => ApplyAsync(writer, workspaceId, ct), ct))
                {
                    ct.ThrowIfCancellationRequested();
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                // One workspace's failure must not hold up the others'.
                LogWorkspaceFailed(Logger, workspaceId, e);
            }
        }
    }

    /// <summary>One batch of the workspace's due removals; whether it did anything (and so may have more).</summary>
    private async Task<bool> ApplyAsync(EventWriter writer, Guid workspaceId, CancellationToken ct)
    {
        var cutoffs = await writer.QueryAsync(
            """
            select pg_try_advisory_xact_lock(hashtextextended('retention|' || $1::text, 0)),
                now() - engagement_text::interval, now() - attachments::interval,
                now() - closed_conversations::interval
            from workspace_retention where workspace_id = $1
            """,
            r =>
                (
                    Locked: r.GetBoolean(0),
                    Text: r.IsDBNull(1) ? (DateTimeOffset?)null : r.GetFieldValue<DateTimeOffset>(1),
                    Attachments: r.IsDBNull(2) ? (DateTimeOffset?)null : r.GetFieldValue<DateTimeOffset>(2),
                    Conversations: r.IsDBNull(3) ? (DateTimeOffset?)null : r.GetFieldValue<DateTimeOffset>(3)
                ),
            ct,
            workspaceId
        );
        if (cutoffs is not [{ Locked: true } cut])
        {
            return false;
        }

        var conversations = cut.Conversations is { } closedBefore
            ? await ClosedConversationsAsync(writer, workspaceId, closedBefore, ct)
            : 0;
        var texts = cut.Text is { } textBefore
            ? await FieldAsync(writer, workspaceId, "text = null", "text is not null", Texts, textBefore, ct)
            : 0;
        var attachments = cut.Attachments is { } attachmentsBefore
            ? await FieldAsync(
                writer,
                workspaceId,
                "attachments = '[]'",
                "attachments <> '[]'",
                name => name == "attachments",
                attachmentsBefore,
                ct
            )
            : 0;
        if (conversations + texts + attachments == 0)
        {
            return false;
        }

        writer.Append(
            workspaceId,
            typeof(StreamTypes.Workspace),
            workspaceId,
            null,
            [
                new RetentionApplied
                {
                    TextBefore = cut.Text,
                    AttachmentsBefore = cut.Attachments,
                    ConversationsBefore = cut.Conversations,
                    Texts = texts,
                    Attachments = attachments,
                    Conversations = conversations,
                    EventId = Guid.CreateVersion7(),
                    WorkspaceId = workspaceId,
                    RecordedAt = Clock.GetUtcNow(),
                    Actor = EventActor.System,
                },
            ]
        );
        return true;
    }

    /// <summary>The text of a message: an engagement's or a reply's, and a template's values.</summary>
    private static bool Texts(string name) => name is "text" or "parameters";

    private static async Task<int> ClosedConversationsAsync(
        EventWriter writer,
        Guid workspaceId,
        DateTimeOffset before,
        CancellationToken ct
    )
    {
        var due = (
            await writer.QueryAsync(
                """
                select id from conversations
                where workspace_id = $1 and status = 'resolved' and resolved_at < $2
                  and (retained_at is null or retained_at < resolved_at)
                order by resolved_at limit $3 for update skip locked
                """,
                r => r.GetGuid(0),
                ct,
                workspaceId,
                before,
                Batch
            )
        ).ToArray();
        if (due.Length == 0)
        {
            return 0;
        }

        await PiiRewrite.EventsAsync(writer, workspaceId, due, (_, _) => true, null, ct);
        PiiRewrite.Conversations(writer, workspaceId, due);
        writer.Execute("update conversations set retained_at = now() where id = any($1)", due);
        return due.Length;
    }

    /// <summary>One field of engagements and replies older than <paramref name="before"/>: <paramref name="holds"/>
    /// picks the rows that still have it, <paramref name="clear"/> removes it.</summary>
    private static async Task<int> FieldAsync(
        EventWriter writer,
        Guid workspaceId,
        string clear,
        string holds,
        Func<string, bool> field,
        DateTimeOffset before,
        CancellationToken ct
    )
    {
        var rows = await writer.QueryAsync(
            $"""
            (select id, conversation_id from engagements where workspace_id = $1 and received_at < $2 and {holds}
                order by received_at limit $3)
            union all
            (select id, conversation_id from replies where workspace_id = $1 and requested_at < $2 and {holds}
                order by requested_at limit $3)
            """,
            r => (Id: r.GetGuid(0), Conversation: r.GetGuid(1)),
            ct,
            workspaceId,
            before,
            Batch
        );
        if (rows.Count == 0)
        {
            return 0;
        }

        var ids = rows.Select(r => r.Id).ToHashSet();
        await PiiRewrite.EventsAsync(
            writer,
            workspaceId,
            [.. rows.Select(r => r.Conversation).Distinct()],
            (type, data) =>
                (
                    type == EventTypes.EngagementReceived ? data["engagementId"]
                    : type == EventTypes.ReplyRequested ? data["replyId"]
                    : null
                )
                    is JsonValue id
                && ids.Contains(id.GetValue<Guid>()),
            field,
            ct
        );
        writer.Execute($"update engagements set {clear} where id = any($1)", ids.ToArray());
        writer.Execute($"update replies set {clear} where id = any($1)", ids.ToArray());
        return rows.Count;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retention of workspace {WorkspaceId} failed; next pass.")]
    private static partial void LogWorkspaceFailed(ILogger logger, Guid workspaceId, Exception error);
}
