namespace SocialCare.Api.EventLog.Relay;

/// <summary>The outbox relay (configuration section <c>Relay</c>).</summary>
public sealed class RelayOptions
{
    public const string Section = "Relay";

    /// <summary>Turned off, this instance never publishes (another instance, or a later start, will).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Events sequenced and published per round trip.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>The safety net under LISTEN/NOTIFY: the leader looks for work at least this often.</summary>
    public int PollIntervalMs { get; set; } = 1000;

    /// <summary>How often a follower instance tries to become the leader.</summary>
    public int LeaderRetryMs { get; set; } = 1000;

    /// <summary>
    /// How long the relay waits without any confirm from a broker that went away meanwhile. Past it the relay starts
    /// again from its checkpoint: while the broker is down, MassTransit keeps retrying a publish on a schedule that grows
    /// to 30 s, so without this limit the relay would resume up to half a minute after the broker's return; with it,
    /// within about this long plus <see cref="LeaderRetryMs"/>. Each confirm starts it again. A broker that stayed
    /// connected is waited for up to <see cref="StalledPublishTimeout"/> (see <see cref="ConfirmWatch"/>).
    /// </summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long the relay waits without any confirm from a broker that stayed connected (slow under flow
    /// control or a backlog) before it publishes again from its checkpoint all the same: publishing again costs
    /// duplicates and adds load to a broker that is catching up.</summary>
    public TimeSpan StalledPublishTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
