using Npgsql;

namespace SocialCare.Api.Channels.Hooks;

/// <summary>
/// The thread a platform message belongs to: a customer's post (its thread key, or its own id when it started the
/// thread), or one of our public replies (the thread of the post it answered).
/// </summary>
public sealed class ThreadLookup(NpgsqlDataSource dataSource) : IThreadLookup
{
    public async Task<string?> ThreadOfAsync(
        Channel channel,
        string platformMessageId,
        CancellationToken cancellationToken
    )
    {
        await using var command = dataSource.CreateCommand(
            """
            select coalesce(
                (select coalesce(e.thread_key, e.platform_message_id) from engagements e
                 where e.workspace_id = $1 and e.channel_id = $2 and e.platform_message_id = $3),
                (select coalesce(e.thread_key, e.platform_message_id) from replies r
                 join engagements e on e.workspace_id = r.workspace_id and e.channel_id = r.channel_id and
                     e.platform_message_id = r.in_reply_to
                 where r.channel_id = $2 and r.platform_message_id = $3 limit 1))
            """
        );
        command.Parameters.Add(new NpgsqlParameter { Value = channel.WorkspaceId });
        command.Parameters.Add(new NpgsqlParameter { Value = channel.Id });
        command.Parameters.Add(new NpgsqlParameter { Value = platformMessageId });
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }
}
