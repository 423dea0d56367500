using System.Net;
using System.Net.Http.Json;
using SocialCare.Api.Infrastructure.Outbound;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Infrastructure.Outbound;

/// <summary>
/// Calls the hub makes to URLs someone else chose reach public hosts only, checked on every connection and not only
/// when the URL was saved: a name that later resolves inside the network (DNS rebinding) is refused then.
/// </summary>
public sealed class Outbound_targets : HubFixture
{
    [TestCase("127.0.0.1")]
    [TestCase("10.1.2.3")]
    [TestCase("172.20.0.1")]
    [TestCase("192.168.1.1")]
    [TestCase("169.254.169.254")]
    [TestCase("100.64.0.1")]
    [TestCase("100.127.255.254")]
    [TestCase("0.0.0.0")]
    [TestCase("192.0.0.8")]
    [TestCase("192.0.2.1")]
    [TestCase("198.18.0.1")]
    [TestCase("198.51.100.7")]
    [TestCase("203.0.113.9")]
    [TestCase("224.0.0.251")]
    [TestCase("240.0.0.1")]
    [TestCase("255.255.255.255")]
    [TestCase("::")]
    [TestCase("::1")]
    [TestCase("fd00::1")]
    [TestCase("fe80::1")]
    [TestCase("fec0::1")]
    [TestCase("ff02::1")]
    [TestCase("::ffff:10.0.0.1")]
    [TestCase("::ffff:169.254.169.254")]
    [TestCase("64:ff9b::a9fe:a9fe", Description = "NAT64 of 169.254.169.254")]
    [TestCase("64:ff9b::7f00:1", Description = "NAT64 of 127.0.0.1")]
    [TestCase("64:ff9b:1::1", Description = "local-use NAT64")]
    [TestCase("2002:a9fe:a9fe::1", Description = "6to4 of 169.254.169.254")]
    [TestCase("2002:0a00:0001::1", Description = "6to4 of 10.0.0.1")]
    [TestCase("2001:0:4136:e378:8000:63bf:3fff:fdd2", Description = "Teredo")]
    [TestCase("2001:db8::1", Description = "documentation")]
    [TestCase("3fff::1", Description = "documentation")]
    [TestCase("100::1", Description = "discard-only")]
    public void Addresses_inside_or_reserved_are_not_public(string address) =>
        Assert.That(PublicAddresses.IsPublic(IPAddress.Parse(address)), Is.False);

    [TestCase("8.8.8.8")]
    [TestCase("1.1.1.1")]
    [TestCase("93.184.216.34")]
    [TestCase("2606:4700:4700::1111")]
    [TestCase("::ffff:8.8.8.8")]
    [TestCase("64:ff9b::808:808", Description = "NAT64 of 8.8.8.8")]
    [TestCase("2002:0808:0808::1", Description = "6to4 of 8.8.8.8")]
    public void Public_addresses_are_public(string address) =>
        Assert.That(PublicAddresses.IsPublic(IPAddress.Parse(address)), Is.True);

    [Test]
    public async Task A_refused_webhook_url_says_which_setting_allows_it()
    {
        var (_, client) = await Hub.CreateTenantAsync("refused target", "subscriptions:manage");
        using (client)
        {
            var problem = await HubApi.ReadProblem(
                await client.PostAsJsonAsync("/v1/subscriptions", new { url = "http://127.0.0.1:9/hook" }),
                HttpStatusCode.UnprocessableEntity,
                "target-not-allowed"
            );
            Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain("Webhooks:AllowPrivateTargets=true"));
        }
    }

    [Test]
    public async Task A_webhook_url_now_resolving_to_loopback_is_refused_on_connect_and_the_receiver_gets_nothing()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (workspaceId, client) = await Hub.CreateTenantAsync("rebinding", "subscriptions:manage");
        using (client)
        {
            // Saved while its name resolved to a public address; now the same subscription points at this machine
            // (as a rebound DNS name does). The subscriber's port is real: without the check, the hub would reach it.
            var created = await HubApi.ReadJson(
                await client.PostAsJsonAsync("/v1/subscriptions", new { url = "https://93.184.216.34/hook" }),
                HttpStatusCode.Created
            );
            var id = created["id"]!.GetValue<Guid>();
            var inside = new Uri(receiver.Url("/hook"));
            await Support.Database.ExecuteAsync(
                "update subscriptions set url = $1 where id = $2 and workspace_id = $3",
                ConnectionString,
                $"https://localhost:{inside.Port}/hook",
                id,
                workspaceId
            );
            await HubApi.ReadJson(
                await client.PostAsync($"/v1/subscriptions/{id}/test", null),
                HttpStatusCode.Accepted
            );

            var attempt = await Eventually.Until(
                async () =>
                    (
                        await HubApi.ReadJson(
                            await client.GetAsync($"/v1/subscriptions/{id}/deliveries"),
                            HttpStatusCode.OK
                        )
                    )["items"]!
                        .AsArray()
                        .SelectMany(d => d!["attemptLog"]!.AsArray())
                        .FirstOrDefault(),
                a => a is not null,
                what: "the test delivery's first attempt"
            );
            Assert.Multiple(() =>
            {
                Assert.That(attempt!["error"]!.GetValue<string>(), Does.Contain("not a public address"));
                Assert.That(attempt["statusCode"], Is.Null);
                Assert.That(receiver.Started, Is.Zero, "the hub never connected to the subscriber's port");
            });
        }
    }
}
