using System.Net;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Workspaces;

/// <summary>The development seed: a configured key that someone revoked stays revoked, and the hub still
/// starts.</summary>
public sealed class Demo_key
{
    [Test]
    public async Task A_revoked_demo_key_does_not_stop_the_hub_from_starting_and_stays_revoked()
    {
        await TestEnvironment.WithDatabaseAsync(
            "demo_key",
            async database =>
            {
                var demoKey = SocialCare.Api.Authorization.ApiKeys.Generate();
                var settings = new Dictionary<string, string?>
                {
                    ["ConnectionStrings:Postgres"] = database,
                    ["Demo:ApiKey"] = demoKey,
                };
                await using (var first = await new HubFactory(settings).StartAsync())
                {
                    using var demo = first.ClientWithKey(demoKey);
                    var me = await HubApi.ReadJson(await demo.GetAsync("/v1/me"), HttpStatusCode.OK);
                    using var admin = first.AdminClient();
                    var revoked = await admin.DeleteAsync(
                        $"/v1/workspaces/{me["workspace"]!["id"]}/api-keys/{me["keyId"]}"
                    );
                    Assert.That(revoked.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
                }

                await using var second = await new HubFactory(settings).StartAsync();
                using var again = second.ClientWithKey(demoKey);
                await HubApi.ReadProblem(await again.GetAsync("/v1/me"), HttpStatusCode.Unauthorized, "unauthorized");
            }
        );
    }
}
