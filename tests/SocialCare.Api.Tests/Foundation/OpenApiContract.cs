using System.Net;
using System.Text.Json.Nodes;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Foundation;

/// <summary>
/// The OpenAPI document is part of the product: the checked-in copy under contracts/ must equal what
/// the hub serves. After an intended API change, regenerate it with <c>./infra/dev.sh openapi</c>.
/// </summary>
public sealed class OpenApiContract
{
    [Test]
    public async Task Served_document_equals_the_checked_in_contract()
    {
        await using var hub = new HubFactory();
        using var client = hub.CreateClient();
        var served = await HubApi.ReadJson(await client.GetAsync("/swagger/v1/swagger.json"), HttpStatusCode.OK);
        var path = Path.Combine(RepositoryRoot(), "contracts", "openapi", "v1.json");
        var servedText = served.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n";

        if (Environment.GetEnvironmentVariable("UPDATE_OPENAPI") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, servedText);
        }

        Assert.That(File.Exists(path), Is.True, $"{path} is missing: run ./infra/dev.sh openapi");
        var checkedIn = JsonNode.Parse(await File.ReadAllTextAsync(path));
        Assert.That(JsonNode.DeepEquals(served, checkedIn), Is.True,
            "The served OpenAPI document differs from contracts/openapi/v1.json. If the change is intended, run ./infra/dev.sh openapi and commit the result.");
    }

    [Test]
    public async Task Document_declares_the_bearer_scheme_on_protected_operations_only()
    {
        await using var hub = new HubFactory();
        using var client = hub.CreateClient();
        var doc = await HubApi.ReadJson(await client.GetAsync("/swagger/v1/swagger.json"), HttpStatusCode.OK);
        Assert.Multiple(() =>
        {
            Assert.That(doc["components"]!["securitySchemes"]!["bearer"]!["scheme"]!.GetValue<string>(), Is.EqualTo("bearer"));
            Assert.That(doc["paths"]!["/v1/me"]!["get"]!["security"], Is.Not.Null);
            Assert.That(doc["paths"]!["/health/ready"]?["get"]?["security"], Is.Null);
        });
    }

    [Test]
    public async Task Swagger_ui_is_served()
    {
        await using var hub = new HubFactory();
        using var client = hub.CreateClient();
        var response = await client.GetAsync("/swagger/index.html");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("swagger-ui"));
    }

    internal static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "SocialCareApi.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("SocialCareApi.sln not found above the test directory.");
    }
}
