using System.Diagnostics;
using System.Text.Json.Nodes;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Contracts;

/// <summary>
/// The OpenAPI document passes an independent linter a partner would run before generating a client: Redocly CLI
/// (pinned in contracts/package-lock.json, installed by <c>./infra/dev.sh test</c>) with its recommended rules
/// (contracts/redocly.yaml), no errors and no warnings. The checked-in document equals the served one
/// (<see cref="OpenApiContract"/>), so linting it lints what the hub serves.
/// </summary>
public sealed class OpenApi_lint
{
    private static readonly string Contracts = Path.Combine(RepositoryRoot.Path, "contracts");

    [Test]
    public async Task The_document_lints_clean_under_the_recommended_rules()
    {
        var report = await LintAsync(Path.Combine(Contracts, "openapi", "v1.json"));
        Assert.Multiple(() =>
        {
            Assert.That(report["totals"]!["errors"]!.GetValue<int>(), Is.Zero, report.ToJsonString());
            Assert.That(report["totals"]!["warnings"]!.GetValue<int>(), Is.Zero, report.ToJsonString());
        });
    }

    [Test]
    public async Task The_lint_catches_what_the_document_used_to_get_wrong()
    {
        // The faults the first lint found: no servers, a CLR generic name as a schema key, a tag with no description.
        var document = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Contracts, "openapi", "v1.json")))!;
        document.AsObject().Remove("servers");
        var schemas = document["components"]!["schemas"]!.AsObject();
        schemas["Infrastructure.Page`1[[Channels.ChannelResponse, SocialCare.Api, Version=1.0.0.0]]"] = schemas[
            "ChannelPage"
        ]!.DeepClone();
        document["tags"]![0]!.AsObject().Remove("description");
        var broken = Path.Combine(Path.GetTempPath(), $"openapi-broken-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(broken, document.ToJsonString());
        try
        {
            var report = await LintAsync(broken);
            var rules = report["problems"]!.AsArray().Select(p => p!["ruleId"]!.GetValue<string>()).ToHashSet();
            Assert.That(
                rules,
                Is.SupersetOf(new[] { "no-empty-servers", "spec-components-invalid-map-name", "tag-description" }),
                report.ToJsonString()
            );
        }
        finally
        {
            File.Delete(broken);
        }
    }

    private static async Task<JsonNode> LintAsync(string document)
    {
        var redocly = Path.Combine(Contracts, "node_modules", ".bin", "redocly");
        Assert.That(File.Exists(redocly), Is.True, "Redocly CLI is not installed: run ./infra/dev.sh test");
        var start = new ProcessStartInfo(
            redocly,
            ["lint", document, "--format=json", "--config", Path.Combine(Contracts, "redocly.yaml")]
        )
        {
            WorkingDirectory = Contracts,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var json = await output;
        Assert.That(json, Does.StartWith("{"), $"redocly printed no report (exit {process.ExitCode}): {await errors}");
        return JsonNode.Parse(json)!;
    }
}
