using System.Globalization;
using Npgsql;

namespace SocialCare.Api.Infrastructure.Database;

/// <summary>
/// How fast each end of a PostgreSQL connection notices that the other has vanished without closing it (a dead host, a
/// network partition), configuration section <c>Database</c>. PostgreSQL drops a vanished hub's connections, and with
/// them the relay leader's advisory lock, after <see cref="KeepaliveIdle"/> + <see cref="KeepaliveCount"/> ×
/// <see cref="KeepaliveInterval"/> of silence (10 s by default), or once what it sent has gone unacknowledged for
/// <see cref="TcpUserTimeout"/> (10 s); the hub's kernel notices a vanished server as fast on an idle connection (a
/// LISTEN). Without them, TCP waits two hours before the first probe.
/// </summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>Silence on a connection before the first keepalive probe, at both ends.</summary>
    public TimeSpan KeepaliveIdle { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Time between unanswered keepalive probes, at both ends.</summary>
    public TimeSpan KeepaliveInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Unanswered probes after which PostgreSQL drops the connection (the hub's side uses its kernel's count,
    /// 9 on Linux).</summary>
    public int KeepaliveCount { get; set; } = 5;

    /// <summary>How long data PostgreSQL sent may stay unacknowledged before it drops the connection.</summary>
    public TimeSpan TcpUserTimeout { get; set; } = TimeSpan.FromSeconds(10);

    internal bool IsValid =>
        KeepaliveIdle >= TimeSpan.FromSeconds(1)
        && KeepaliveInterval >= TimeSpan.FromSeconds(1)
        && KeepaliveCount > 0
        && TcpUserTimeout >= TimeSpan.FromMilliseconds(1);

    /// <summary>
    /// Sets the keepalives on a connection string, both ends. What the connection string already says wins: TCP
    /// keepalive settings given there are kept, and its own <c>Options</c> come after these, so a <c>-c</c> there
    /// overrides one here.
    /// </summary>
    internal void ApplyTo(NpgsqlConnectionStringBuilder connection)
    {
        if (!connection.TcpKeepAlive && connection.TcpKeepAliveTime == 0)
        {
            connection.TcpKeepAliveTime = (int)KeepaliveIdle.TotalSeconds;
            connection.TcpKeepAliveInterval = (int)KeepaliveInterval.TotalSeconds;
        }

        var server = string.Create(
            CultureInfo.InvariantCulture,
            $"-c tcp_keepalives_idle={(int)KeepaliveIdle.TotalSeconds} -c "
                + $"tcp_keepalives_interval={(int)KeepaliveInterval.TotalSeconds} -c "
                + $"tcp_keepalives_count={KeepaliveCount} -c tcp_user_timeout={(int)TcpUserTimeout.TotalMilliseconds}"
        );
        connection.Options = $"{server} {connection.Options}".Trim();
    }
}
