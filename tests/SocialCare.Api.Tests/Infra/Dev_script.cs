using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Infra;

/// <summary>
/// <c>./infra/dev.sh</c> as a second checkout on the same machine meets it: the servers the first one started are found
/// and used, with the same development keys, and a port something else holds is named in one clear line.
/// </summary>
public sealed class Dev_script
{
    [Test]
    public async Task A_second_checkout_reuses_the_running_servers_and_the_same_keys()
    {
        var secondCheckout = Directory.CreateTempSubdirectory("checkout-");
        try
        {
            var deps = await DevAsync("deps", new() { ["SOCIALCARE_DATA_DIR"] = secondCheckout.FullName });
            var first = await DevAsync("env", []);
            var second = await DevAsync("env", new() { ["SOCIALCARE_DATA_DIR"] = secondCheckout.FullName });
            Assert.Multiple(() =>
            {
                Assert.That(deps.Exit, Is.Zero, deps.Output);
                Assert.That(
                    deps.Output,
                    Does.Contain("PostgreSQL already running").And.Contain("RabbitMQ already running")
                );
                Assert.That(
                    second.Output,
                    Does.StartWith("export HUB=").And.Contain(" ADMIN=sch_admin_").And.Contain(" DEMO=sch_")
                );
                Assert.That(
                    second.Output,
                    Is.EqualTo(first.Output),
                    "one database, one set of development keys, one Demo workspace"
                );
            });
        }
        finally
        {
            secondCheckout.Delete(recursive: true);
        }
    }

    [TestCase("SOCIALCARE_RABBIT_PORT")]
    [TestCase("SOCIALCARE_PG_PORT")]
    public async Task A_port_held_by_something_else_stops_deps_in_one_line_naming_the_port_its_holder_and_the_variable(
        string variable
    )
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var state = Directory.CreateTempSubdirectory("squatted-");
        try
        {
            var deps = await DevAsync(
                "deps",
                new()
                {
                    [variable] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["SOCIALCARE_DATA_DIR"] = state.FullName,
                    ["SOCIALCARE_RABBIT_DIR"] = Path.Combine(state.FullName, "rabbit"),
                    ["SOCIALCARE_PG_DIR"] = Path.Combine(state.FullName, "pg"),
                }
            );
            var reason = deps.Output.Split('\n').Last(l => l.Length > 0);
            Assert.Multiple(() =>
            {
                Assert.That(deps.Exit, Is.Not.Zero);
                Assert.That(
                    reason,
                    Does.Contain($"port {port} is held by")
                        .And.Contain($"(pid {Environment.ProcessId})")
                        .And.Contain(variable)
                );
            });
        }
        finally
        {
            state.Delete(recursive: true);
        }
    }

    private static async Task<(int Exit, string Output)> DevAsync(
        string command,
        Dictionary<string, string> environment
    )
    {
        var start = new ProcessStartInfo(Path.Combine(RepositoryRoot.Path, "infra", "dev.sh"), [command])
        {
            WorkingDirectory = RepositoryRoot.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // As a developer's shell has it: nothing the hub's own configuration would take over.
        foreach (var inherited in new[] { "Admin__ApiKey", "Demo__ApiKey", "ASPNETCORE_URLS", "SOCIALCARE_DATA_DIR" })
        {
            start.Environment.Remove(inherited);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, (await stdout) + StripColours(await stderr));
    }

    private static string StripColours(string text) =>
        System.Text.RegularExpressions.Regex.Replace(text, "\u001b\\[[0-9;]*m", string.Empty);
}
