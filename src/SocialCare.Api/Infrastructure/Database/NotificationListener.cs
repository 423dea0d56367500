using Npgsql;

namespace SocialCare.Api.Infrastructure.Database;

/// <summary>
/// LISTENs on one PostgreSQL channel over a dedicated session connection for as long as the host runs, and listens
/// again after a lost connection. <c>listening</c> hears <c>true</c> once notifications flow, and <c>false</c> when
/// some may be missed from then on, so that the caller can stop trusting what notifications keep fresh.
/// </summary>
internal static class NotificationListener
{
    public static async Task RunAsync(
        SessionConnections sessions,
        string channel,
        Action<string> notified,
        Action<bool> listening,
        Action<Exception> lost,
        CancellationToken stoppingToken
    )
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await sessions.OpenAsync(stoppingToken);
                connection.Notification += (_, e) => notified(e.Payload);
                await using (var listen = new NpgsqlCommand($"listen {channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                listening(true);
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (NpgsqlException e)
            {
                lost(e);
                await Task.Delay(1000, stoppingToken);
            }
            finally
            {
                listening(false);
            }
        }
    }
}
