using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SocialCare.Api.Infrastructure.Problems;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Contracts;

/// <summary>
/// The OpenAPI document is part of the product: the checked-in copy under contracts/ must equal what the hub serves.
/// After an intended API change, regenerate it with <c>./infra/dev.sh contracts</c>.
/// </summary>
public sealed class OpenApiContract
{
    [Test]
    public async Task Served_document_equals_the_checked_in_contract()
    {
        await using var hub = new HubFactory();
        using var client = hub.CreateClient();
        var served = await HubApi.ReadJson(await client.GetAsync("/swagger/v1/swagger.json"), HttpStatusCode.OK);
        await CheckedInContracts.AssertMatchesAsync(served, CheckedInContracts.Path("openapi", "v1.json"));
    }

    [Test]
    public async Task Document_declares_the_bearer_scheme_on_protected_operations_only()
    {
        await using var hub = new HubFactory();
        using var client = hub.CreateClient();
        var doc = await HubApi.ReadJson(await client.GetAsync("/swagger/v1/swagger.json"), HttpStatusCode.OK);
        Assert.Multiple(() =>
        {
            Assert.That(
                doc["components"]!["securitySchemes"]!["bearer"]!["scheme"]!.GetValue<string>(),
                Is.EqualTo("bearer")
            );
            Assert.That(doc["paths"]!["/v1/me"]!["get"]!["security"], Is.Not.Null);
            Assert.That(doc["paths"]!["/health/ready"]?["get"]?["security"], Is.Null);
        });
    }

    [Test]
    public async Task Every_error_response_is_a_problem_whose_code_is_one_of_the_documented_codes()
    {
        await using var hub = new HubFactory();
        using var client = hub.CreateClient();
        var doc = await HubApi.ReadJson(await client.GetAsync("/swagger/v1/swagger.json"), HttpStatusCode.OK);
        var notProblems = new List<string>();
        foreach (var (path, operations) in doc["paths"]!.AsObject())
        {
            foreach (var (method, operation) in operations!.AsObject())
            {
                foreach (var (status, response) in operation!["responses"]!.AsObject())
                {
                    var schema = response!["content"]?["application/problem+json"]?["schema"]?["$ref"];
                    if (
                        StatusRecorder.StatusesOf(status).First() >= 400
                        && schema?.GetValue<string>() != "#/components/schemas/Problem"
                    )
                    {
                        notProblems.Add($"{method} {path} {status}");
                    }
                }
            }
        }

        var problem = doc["components"]!["schemas"]!["Problem"]!;
        var documented = ProblemsMdCodes();
        Assert.Multiple(() =>
        {
            Assert.That(notProblems, Is.Empty, "error responses without the Problem schema");
            Assert.That(
                problem["properties"]!["code"]!["enum"]!.AsArray().Select(c => c!.GetValue<string>()),
                Is.EqualTo(ProblemCodes.All)
            );
            Assert.That(problem["required"]!.AsArray().Select(r => r!.GetValue<string>()), Does.Contain("code"));
            Assert.That(ProblemCodes.All, Is.EquivalentTo(documented), "docs/problems.md lists exactly the codes");
        });
    }

    [Test]
    public async Task The_protocol_headers_are_documented_where_they_apply()
    {
        await using var hub = new HubFactory();
        using var client = hub.CreateClient();
        var doc = await HubApi.ReadJson(await client.GetAsync("/swagger/v1/swagger.json"), HttpStatusCode.OK);
        var paths = doc["paths"]!;
        static IEnumerable<string> Parameters(JsonNode operation) =>
            operation["parameters"]!.AsArray().Select(p => p!["name"]!.GetValue<string>());
        static IEnumerable<string> Headers(JsonNode operation, string status) =>
            operation["responses"]![status]!["headers"]?.AsObject().Select(h => h.Key) ?? [];
        var command = paths["/v1/conversations/{id}/tags"]!["post"]!;
        Assert.Multiple(() =>
        {
            Assert.That(Parameters(command), Is.SupersetOf(new[] { "If-Match", "Idempotency-Key", "X-Actor" }));
            Assert.That(Headers(command, "200"), Is.SupersetOf(new[] { "ETag", "Idempotent-Replayed" }));
            Assert.That(Headers(command, "429"), Does.Contain("Retry-After"));
            Assert.That(Headers(paths["/v1/conversations/{id}"]!["get"]!, "200"), Does.Contain("ETag"));
            Assert.That(Headers(paths["/v1/channels"]!["post"]!, "201"), Does.Contain("Location"));
            Assert.That(Parameters(paths["/v1/events/stream"]!["get"]!), Does.Contain("Last-Event-ID"));
            Assert.That(
                Parameters(paths["/v1/conversations"]!["get"]!),
                Does.Not.Contain("X-Actor"),
                "reads act for no one"
            );
        });
    }

    /// <summary>The codes in the first column of docs/problems.md's table (a row may name several).</summary>
    private static List<string> ProblemsMdCodes() =>
        File.ReadLines(Path.Combine(RepositoryRoot.Path, "docs", "problems.md"))
            .Where(line => line.StartsWith("| `", StringComparison.Ordinal))
            .SelectMany(line => Regex.Matches(line.Split('|')[1], "`([a-z-]+)`").Select(m => m.Groups[1].Value))
            .ToList();

    [Test]
    public async Task Swagger_ui_is_served()
    {
        await using var hub = new HubFactory();
        using var client = hub.CreateClient();
        var response = await client.GetAsync("/swagger/index.html");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("swagger-ui"));
    }
}
