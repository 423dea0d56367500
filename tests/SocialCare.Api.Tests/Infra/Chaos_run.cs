using System.Diagnostics;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Infra;

/// <summary>
/// The short chaos run (issue 21, point 6), as <c>./infra/dev.sh chaos --short</c> runs it on a PostgreSQL and a
/// RabbitMQ of its own: two hubs behind HAProxy, three webhook subscribers (one flaky) and an AMQP consumer, under a
/// steady load while the relay leader is killed, RabbitMQ stopped, PostgreSQL restarted and a subscriber taken away —
/// each once. Nothing accepted may be lost, and no request may be answered 500.
/// </summary>
public sealed class Chaos_run
{
    [Test]
    public async Task Nothing_accepted_is_lost_through_a_kill_a_broker_outage_a_database_restart_and_a_subscriber_outage()
    {
        var start = new ProcessStartInfo(
            "bash",
            [Path.Combine(RepositoryRoot.Path, "infra", "dev.sh"), "chaos", "--engagements", "1200", "--short"]
        )
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // The solution's build made it already, in this configuration.
            Environment = { ["SOCIALCARE_CHAOS_CONFIGURATION"] = Configuration() },
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await process.WaitForExitAsync(timeout.Token);
        var report = await output;
        await TestContext.Out.WriteLineAsync(report);
        Assert.Multiple(async () =>
        {
            Assert.That(process.ExitCode, Is.EqualTo(0), await errors);
            Assert.That(report, Does.Contain("lost       0"));
            Assert.That(report, Does.Contain("accepted   1,200 of 1,200 sent"));
            Assert.That(report, Does.Not.Contain(" 500 ×"), "no request was answered 500");
            Assert.That(report, Does.Contain("recovered").And.Not.Contain("recovered  never"));
        });
    }

    private static string Configuration() =>
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
}
