using System.Text.Json;
using NpgsqlTypes;
using SocialCare.Api.Conversations;
using SocialCare.Api.EventLog;
using SocialCare.Contracts;

namespace SocialCare.Api.Channels.Replies;

/// <summary>
/// Records a reply's progress reported by a native connector: what the send returned, and the platform's status
/// webhooks. Each report is the same decision the reply-status API makes (statuses only move forward; late or repeated
/// reports change nothing), taken under the conversation's row lock and appended as an event.
/// </summary>
public sealed class ReplyProgressRecorder(EventStore store, TimeProvider clock)
{
    private sealed record ReplyRow(Guid Id, Guid ConversationId, Guid WorkspaceId);

    /// <summary>What the platform answered to our send: sent (with its message id) or failed. Statuses that arrived
    /// first are applied after it.</summary>
    public Task RecordSendAsync(
        ReplyRequested reply,
        string status,
        string? platformMessageId,
        PlatformError? error,
        EventActor actor,
        CancellationToken ct
    ) =>
        store.WriteAsync(
            async writer =>
            {
                if (platformMessageId is not null)
                {
                    Lock(writer, reply.ChannelId, platformMessageId, WatermarkKey(reply.Recipient));
                }

                await ApplyAsync(
                    writer,
                    new ReplyRow(reply.ReplyId, reply.ConversationId!.Value, reply.WorkspaceId),
                    status,
                    platformMessageId,
                    error,
                    clock.GetUtcNow(),
                    actor,
                    ct
                );
                if (platformMessageId is null)
                {
                    return 0;
                }

                // Statuses of this message that arrived first, and watermarks for its recipient that arrived after it
                // was requested (a watermark stays: it may cover other replies to the same customer still being sent).
                var waiting = await writer.QueryAsync(
                    """
                    with mine as (
                        delete from reply_status_backlog where channel_id = $1 and platform_message_id = $2
                        returning status, occurred_at, error::text)
                    select * from mine
                    union all
                    select status, occurred_at, error::text from reply_status_backlog
                    where channel_id = $1 and platform_message_id = $3 and occurred_at >= $4
                    """,
                    r =>
                        (
                            Status: r.GetString(0),
                            At: r.GetFieldValue<DateTimeOffset>(1),
                            Error: r.IsDBNull(2)
                                ? null
                                : JsonSerializer.Deserialize<PlatformError>(r.GetString(2), EventTypeRegistry.Json)
                        ),
                    ct,
                    reply.ChannelId,
                    platformMessageId,
                    WatermarkKey(reply.Recipient),
                    reply.RecordedAt
                );
                foreach (var (waitingStatus, at, waitingError) in waiting.OrderBy(w => ReplyStatuses.Rank(w.Status)))
                {
                    await ApplyAsync(
                        writer,
                        new ReplyRow(reply.ReplyId, reply.ConversationId!.Value, reply.WorkspaceId),
                        waitingStatus,
                        platformMessageId,
                        waitingError,
                        at,
                        actor,
                        ct
                    );
                }

                return waiting.Count;
            },
            ct
        );

    /// <summary>
    /// A status webhook. Returns how many replies it moved. One that moves none waits in the backlog (a day at most):
    /// its send may not be recorded yet, the platform's webhook having raced our commit.
    /// </summary>
    public Task<int> RecordStatusAsync(Channel channel, ParsedStatus status, EventActor actor, CancellationToken ct) =>
        store.WriteAsync(
            async writer =>
            {
                Lock(writer, channel.Id, status.PlatformMessageId ?? WatermarkKey(status.Recipient ?? string.Empty));
                var replies = status.PlatformMessageId is { } messageId
                    ? await writer.QueryAsync(
                        "select id, conversation_id, workspace_id from replies where channel_id = $1 and "
                            + "platform_message_id = $2",
                        r => new ReplyRow(r.GetGuid(0), r.GetGuid(1), r.GetGuid(2)),
                        ct,
                        channel.Id,
                        messageId
                    )
                    : await writer.QueryAsync(
                        """
                        select id, conversation_id, workspace_id from replies
                        where channel_id = $1 and recipient = $2 and status in ('sent', 'delivered') and sent_at <= $3
                        """,
                        r => new ReplyRow(r.GetGuid(0), r.GetGuid(1), r.GetGuid(2)),
                        ct,
                        channel.Id,
                        status.Recipient ?? string.Empty,
                        status.OccurredAt
                    );
                if (replies.Count == 0)
                {
                    writer.Execute(
                        """
                        insert into reply_status_backlog (channel_id, platform_message_id, status, occurred_at, error)
                            values ($1, $2, $3, $4, $5)
                        on conflict (channel_id, platform_message_id, status) do update set occurred_at =
                            greatest(reply_status_backlog.occurred_at, excluded.occurred_at)
                        """,
                        channel.Id,
                        status.PlatformMessageId ?? WatermarkKey(status.Recipient ?? string.Empty),
                        status.Status,
                        status.OccurredAt,
                        new Npgsql.NpgsqlParameter
                        {
                            Value = status.Error is null
                                ? DBNull.Value
                                : JsonSerializer.Serialize(status.Error, EventTypeRegistry.Json),
                            NpgsqlDbType = NpgsqlDbType.Jsonb,
                        }
                    );
                    writer.Execute("delete from reply_status_backlog where received_at < now() - interval '1 day'");
                }

                var moved = 0;
                foreach (var reply in replies)
                {
                    moved += await ApplyAsync(
                        writer,
                        reply,
                        status.Status,
                        status.PlatformMessageId,
                        status.Error,
                        status.OccurredAt,
                        actor,
                        ct
                    );
                }

                return moved;
            },
            ct
        );

    /// <summary>
    /// A status and the send it belongs to take the same lock (the platform message id, or the recipient's watermark),
    /// so a status never lands in the backlog just after the send has looked there: whichever comes second sees the
    /// first.
    /// </summary>
    private static void Lock(EventWriter writer, Guid channelId, params string[] keys) =>
        writer.Lock(keys.Select(k => $"reply-status|{channelId}|{k}"));

    /// <summary>Where a watermark (Messenger's "read up to") waits for the sends it may cover.</summary>
    private static string WatermarkKey(string recipient) => $"watermark:{recipient}";

    private async Task<int> ApplyAsync(
        EventWriter writer,
        ReplyRow row,
        string status,
        string? platformMessageId,
        PlatformError? error,
        DateTimeOffset at,
        EventActor actor,
        CancellationToken ct
    )
    {
        if (await CommandRunner.LoadAsync(writer, row.WorkspaceId, row.ConversationId, ct) is not { } state)
        {
            return 0;
        }

        var reply = (
            await writer.QueryAsync(
                "select id, channel_id, status, platform_message_id from replies where id = $1",
                r => new ReplyState(r.GetGuid(0), r.GetGuid(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3)),
                ct,
                row.Id
            )
        ).Single();
        var decision = ConversationDecisions.ReplyStatus(reply, status, platformMessageId, error, at.ToUniversalTime());
        return CommandRunner.Commit(writer, state, decision.Events, actor, clock.GetUtcNow()).Count;
    }
}
