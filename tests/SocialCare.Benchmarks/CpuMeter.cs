using System.Globalization;

namespace SocialCare.Benchmarks;

/// <summary>
/// CPU time spent by each party on this machine (the hub, PostgreSQL, RabbitMQ, the benchmark itself) between two
/// readings of <c>/proc</c>: per engagement, it says where a phase's CPU went, since on 2 cores they all share it.
/// </summary>
internal sealed class CpuMeter(int hubPid)
{
    private static readonly double TicksPerSecond = 100; // USER_HZ, 100 on Linux everywhere we run

    public Dictionary<string, double> Read()
    {
        var seconds = new Dictionary<string, double>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(directory, "stat"));
            }
            catch (IOException)
            {
                continue; // the process ended
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            // pid (comm) state ppid … utime stime: comm may hold spaces, so fields count from its closing parenthesis.
            var open = stat.IndexOf('(', StringComparison.Ordinal);
            var close = stat.LastIndexOf(')');
            var comm = stat[(open + 1)..close];
            var fields = stat[(close + 2)..].Split(' ');
            var cpu =
                (
                    long.Parse(fields[11], CultureInfo.InvariantCulture)
                    + long.Parse(fields[12], CultureInfo.InvariantCulture)
                ) / TicksPerSecond;
            var party =
                pid == hubPid ? "hub"
                : pid == Environment.ProcessId ? "benchmark"
                : comm == "postgres" ? "PostgreSQL"
                : comm is "beam.smp" or "erl_child_setup" or "epmd" or "inet_gethost" ? "RabbitMQ"
                : null;
            if (party is not null)
            {
                seconds[party] = seconds.GetValueOrDefault(party) + cpu;
            }
        }

        return seconds;
    }

    /// <summary>Microseconds of CPU per engagement by party between <paramref name="before"/> and now.</summary>
    public string PerEngagement(Dictionary<string, double> before, long engagements)
    {
        var after = Read();
        var parties = new[] { "hub", "PostgreSQL", "RabbitMQ", "benchmark" };
        var total = 0.0;
        var parts = new List<string>();
        foreach (var party in parties)
        {
            var used = after.GetValueOrDefault(party) - before.GetValueOrDefault(party);
            total += used;
            parts.Add($"{party} {Micros(used, engagements)}");
        }

        return $"CPU per engagement {Micros(total, engagements)} ({string.Join(", ", parts)})";
    }

    private static string Micros(double seconds, long engagements) =>
        (seconds * 1e6 / Math.Max(1, engagements)).ToString("0", CultureInfo.InvariantCulture) + " µs";
}
