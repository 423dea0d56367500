using System.Net;
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
    public async Task Swagger_ui_is_served()
    {
        await using var hub = new HubFactory();
        using var client = hub.CreateClient();
        var response = await client.GetAsync("/swagger/index.html");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("swagger-ui"));
    }
}
