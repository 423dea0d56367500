using MassTransit;
using Npgsql;
using SocialCare.Api.Conversations;
using SocialCare.Contracts;

namespace SocialCare.Api.Channels.Replies;

/// <summary>
/// Sends the replies of native channel accounts: consumes <c>reply.requested</c>, calls the platform through
/// <see cref="PlatformCalls"/>, and records what came of it (reply.sent with the platform's message id, or
/// reply.failed with the platform's error code and message). Replies on other channels, or on a native account
/// without its send credentials, are left to the partner connector consuming the same event.
/// At least once: a redelivered request whose reply has moved on is skipped; a crash between the platform's answer
/// and the record sends it again.
/// </summary>
public sealed class ReplyDispatcher(
    ChannelStore channels,
    ConnectorRegistry connectors,
    PlatformCalls calls,
    ReplyProgressRecorder recorder,
    NpgsqlDataSource dataSource
) : IConsumer<ReplyRequested>
{
    public async Task Consume(ConsumeContext<ReplyRequested> context)
    {
        var reply = context.Message;
        var ct = context.CancellationToken;
        if (connectors.For(reply.ChannelType) is not { } connector || reply.ConversationId is null)
        {
            return;
        }

        var channel = await channels.FindAsync(reply.WorkspaceId, reply.ChannelId, ct);
        if (channel is not null && !connectors.Sends(channel))
        {
            return;
        }

        await using (var status = dataSource.CreateCommand("select status from replies where id = $1"))
        {
            status.Parameters.Add(new NpgsqlParameter { Value = reply.ReplyId });
            if (await status.ExecuteScalarAsync(ct) is not ReplyStatuses.Requested)
            {
                return;
            }
        }

        var actor = new EventActor(ActorKinds.Platform, null, reply.ChannelType, null, null);
        if (channel is null)
        {
            await recorder.RecordSendAsync(
                reply,
                ReplyStatuses.Failed,
                null,
                new PlatformError(
                    "channel_disconnected",
                    "The channel account was disconnected before the reply could be sent."
                ),
                actor,
                ct
            );
            return;
        }

        var outcome = await calls.SendAsync(connector, reply, channel, ct);
        await recorder.RecordSendAsync(
            reply,
            outcome.Error is null ? ReplyStatuses.Sent : ReplyStatuses.Failed,
            outcome.PlatformMessageId,
            outcome.Error,
            actor,
            ct
        );
    }
}
