using Microsoft.Extensions.Options;
using SocialCare.Api.EventLog;
using SocialCare.Contracts;

namespace SocialCare.Api.Conversations;

/// <summary>
/// Releases expired claims with a <c>conversation.released</c> event (reason <c>expired</c>), so every app hears that
/// the conversation is free again. Rows are taken with SKIP LOCKED: safe with any number of hub instances. Decisions
/// never depend on this running on time — an expired claim already counts as none.
/// </summary>
internal sealed partial class ClaimExpiry(
    EventStore store,
    TimeProvider clock,
    IOptions<ConversationOptions> options,
    ILogger<ClaimExpiry> logger
) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ClaimSweepInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                while (await ReleaseExpiredAsync(stoppingToken) > 0)
                {
                    // More may be waiting: keep going until a round finds none.
                }
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or ConcurrencyException)
            {
                LogSweepFailed(logger, e);
            }
        }
    }

    internal Task<int> ReleaseExpiredAsync(CancellationToken ct) =>
        store.WriteAsync(
            async writer =>
            {
                var now = clock.GetUtcNow();
                var expired = await writer.QueryAsync(
                    """
                    select id, workspace_id, brand, customer_id, version, claim_app from conversations
                    where claim_expires_at <= $1 order by claim_expires_at limit 100 for update skip locked
                    """,
                    r =>
                        (
                            Id: r.GetGuid(0),
                            WorkspaceId: r.GetGuid(1),
                            Brand: r.GetString(2),
                            CustomerId: r.GetGuid(3),
                            Version: r.GetInt64(4),
                            App: r.GetString(5)
                        ),
                    ct,
                    now
                );
                foreach (var c in expired)
                {
                    HubEvent released = new ConversationReleased
                    {
                        EventId = Guid.CreateVersion7(),
                        WorkspaceId = c.WorkspaceId,
                        Brand = c.Brand,
                        ConversationId = c.Id,
                        CustomerId = c.CustomerId,
                        RecordedAt = now,
                        Actor = EventActor.System,
                        App = c.App,
                        Reason = "expired",
                    };
                    writer.Append(c.Id, typeof(StreamTypes.Conversation), c.WorkspaceId, c.Version, [released]);
                    ConversationProjection.Apply(writer, c.Id, [released], now);
                }

                return expired.Count;
            },
            ct
        );

    [LoggerMessage(Level = LogLevel.Warning, Message = "Releasing expired claims failed; the next sweep retries")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
