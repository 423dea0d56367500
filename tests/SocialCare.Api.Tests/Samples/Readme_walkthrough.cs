using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Samples;

/// <summary>
/// The README's walk-through is run as written — every <c>sh</c> block of its section, in order, in one bash, with curl
/// — against a real hub listening on a port, in the Development environment that <c>./infra/dev.sh run</c> uses. Twice:
/// what the README says is new each run must be new each run.
/// </summary>
public sealed class Readme_walkthrough
{
    [Test]
    public async Task The_walkthrough_runs_as_written_twice_against_a_real_hub()
    {
        var script =
            "set -euo pipefail\n"
            + string.Join(
                "\n",
                Blocks(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "README.md")), "## Walk-through with curl")
            );
        var demoKey = SocialCare.Api.Authorization.ApiKeys.Generate();
        await TestEnvironment.WithDatabaseAsync(
            "readme",
            async database =>
            {
                await using var factory = new HubFactory(
                    new Dictionary<string, string?>
                    {
                        ["ConnectionStrings:Postgres"] = database,
                        ["Demo:ApiKey"] = demoKey,
                    }
                );
                await using var hub = factory.WithWebHostBuilder(b => b.UseEnvironment("Development"));
                hub.UseKestrel(0);
                hub.StartServer();
                var url = hub
                    .Services.GetRequiredService<IServer>()
                    .Features.Get<IServerAddressesFeature>()!
                    .Addresses.First()
                    .Replace("localhost", "127.0.0.1", StringComparison.Ordinal);
                using var demo = new HttpClient { BaseAddress = new Uri(url) };
                demo.DefaultRequestHeaders.Authorization = new("Bearer", demoKey);
                await Eventually.Until(
                    async () => (await demo.GetAsync("/health/ready")).StatusCode,
                    s => s == HttpStatusCode.OK,
                    TimeSpan.FromSeconds(60),
                    "the hub to be ready"
                );

                for (var run = 1; run <= 2; run++)
                {
                    var (exit, transcript) = await RunAsync(script, url, demoKey);
                    TestContext.Progress.WriteLine(
                        $"README walk-through, run {run}: exit {exit}, {transcript.Length} characters of output"
                    );
                    Assert.Multiple(() =>
                    {
                        Assert.That(exit, Is.Zero, transcript);
                        Assert.That(transcript, Does.Contain("\"status\":\"Healthy\""), "health");
                        Assert.That(
                            Count(transcript, "\"code\":\"unauthorized\""),
                            Is.GreaterThanOrEqualTo(2),
                            "no key, then the revoked key: " + transcript
                        );
                        Assert.That(
                            transcript,
                            Does.Contain("\"code\":\"forbidden\"").And.Contain("\"code\":\"claimed-by-other\"")
                        );
                        Assert.That(transcript, Does.Contain("1158201444"), "Meta's handshake");
                        Assert.That(
                            transcript,
                            Does.Contain("{\"engagements\":1,\"duplicates\":0")
                                .And.Contain("{\"engagements\":0,\"duplicates\":1"),
                            "a new WhatsApp message each run, then its duplicate: " + transcript
                        );
                        Assert.That(transcript, Does.Contain("\"code\":\"invalid-signature\""));
                        Assert.That(
                            transcript,
                            Does.Contain("\"eventType\":\"engagement.received\"")
                                .And.Contain("\"status\":\"delivered\""),
                            "the billing app's delivery log"
                        );
                        Assert.That(
                            transcript,
                            Does.Contain("\"type\":\"sla.applied\"").And.Contain("\"trigger\":\"conversation.opened\""),
                            "the brand's default SLA and the dry run of the rules"
                        );
                        Assert.That(transcript, Does.Not.Contain("write-only"), "a channel's secret is never shown");
                        Assert.That(transcript, Does.Not.Contain("internal-error").And.Not.Contain("\"status\":500"));
                    });

                    // The billing app received the signed webhook and linked the invoice: one more customer's
                    // conversation each run.
                    var linked = await HubApi.ReadJson(
                        await demo.GetAsync("/v1/conversations?link=billing:invoice:INV-20417"),
                        HttpStatusCode.OK
                    );
                    Assert.That(linked["items"]!.AsArray(), Has.Count.EqualTo(run), transcript);
                }
            }
        );
    }

    /// <summary>The <c>sh</c> blocks of one section (from its heading to the next), in order.</summary>
    private static List<string> Blocks(string markdown, string heading)
    {
        var start = markdown.IndexOf("\n" + heading + "\n", StringComparison.Ordinal);
        Assert.That(start, Is.GreaterThanOrEqualTo(0), $"README has a section '{heading}'");
        var end = markdown.IndexOf("\n## ", start + heading.Length + 1, StringComparison.Ordinal);
        var section = markdown[start..(end < 0 ? markdown.Length : end)];
        var blocks = section
            .Split("```sh\n")
            .Skip(1)
            .Select(b => b[..b.IndexOf("```", StringComparison.Ordinal)])
            .ToList();
        Assert.That(blocks, Is.Not.Empty);
        return blocks;
    }

    private static async Task<(int Exit, string Transcript)> RunAsync(string script, string hubUrl, string demoKey)
    {
        var temp = Directory.CreateTempSubdirectory("readme-");
        var start = new ProcessStartInfo("bash", ["-c", script])
        {
            WorkingDirectory = RepositoryRoot.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                // What `./infra/dev.sh env` prints comes from these, exactly as under `./infra/dev.sh run`.
                ["ASPNETCORE_URLS"] = hubUrl,
                ["Admin__ApiKey"] = HubFactory.AdminKey,
                ["Demo__ApiKey"] = demoKey,
                ["TMPDIR"] = temp.FullName,
                ["DOTNET_NOLOGO"] = "1",
                ["MSBUILDDISABLENODEREUSE"] = "1",
                ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0",
            },
        };
        using var bash = Process.Start(start)!;
        var output = new StringBuilder();
        bash.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (output)
                {
                    output.AppendLine(e.Data);
                }
            }
        };
        bash.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (output)
                {
                    output.AppendLine(e.Data);
                }
            }
        };
        bash.BeginOutputReadLine();
        bash.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await bash.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            bash.Kill(entireProcessTree: true);
            throw new TimeoutException($"The walk-through did not finish within 3 minutes:\n{output}");
        }
        finally
        {
            temp.Delete(recursive: true);
        }

        lock (output)
        {
            return (bash.ExitCode, output.ToString());
        }
    }

    private static int Count(string text, string what) =>
        (text.Length - text.Replace(what, string.Empty, StringComparison.Ordinal).Length) / what.Length;
}
