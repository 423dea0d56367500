using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Webhooks;

/// <summary>A key limited to brands manages, and receives through its subscriptions, only what concerns its
/// brands.</summary>
public sealed class Brand_limited_subscriptions : HubFixture
{
    protected override bool OwnDatabase => true;

    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>
        {
            ["Webhooks:AllowPrivateTargets"] = "true",
            ["Webhooks:RetrySchedule:0"] = "00:00:00",
        };

    private static async Task<JsonNode> Subscribe(
        HttpClient client,
        string url,
        string[]? eventTypes = null,
        string[]? brands = null
    ) =>
        await HubApi.ReadJson(
            await client.PostAsJsonAsync(
                "/v1/subscriptions",
                new
                {
                    url,
                    eventTypes,
                    brands,
                }
            ),
            HttpStatusCode.Created
        );

    private async Task<(HttpClient All, HttpClient Zara)> TenantAsync(string name)
    {
        var (workspaceId, all) = await Hub.CreateTenantAsync(name);
        var (_, key) = await Hub.CreateKeyAsync(
            workspaceId,
            "zara app",
            ["subscriptions:manage", "customers:write", "customers:read"],
            ["Zara"]
        );
        return (all, Hub.ClientWithKey(key));
    }

    /// <summary>How many deliveries the subscription's log holds (each event's deliveries are written with every other
    /// subscription's).</summary>
    private static async Task<int> DeliveredCount(HttpClient client, Guid subscription) =>
        (
            await HubApi.ReadJson(
                await client.GetAsync($"/v1/subscriptions/{subscription}/deliveries"),
                HttpStatusCode.OK
            )
        )["items"]!
            .AsArray()
            .Count;

    [Test]
    public async Task A_brand_limited_key_sees_and_manages_only_subscriptions_within_its_brands()
    {
        var (all, zara) = await TenantAsync("subscription brands");
        using (all)
        using (zara)
        {
            var everyBrand = (await Subscribe(all, "https://8.8.8.8/all"))["id"]!.GetValue<Guid>();
            var hm = (await Subscribe(all, "https://8.8.8.8/hm", brands: ["H&M"]))["id"]!.GetValue<Guid>();
            var mixed = (await Subscribe(all, "https://8.8.8.8/mixed", brands: ["Zara", "H&M"]))[
                "id"
            ]!.GetValue<Guid>();
            var zarasByAdmin = (await Subscribe(all, "https://8.8.8.8/zara-admin", brands: ["Zara"]))[
                "id"
            ]!.GetValue<Guid>();
            var own = await Subscribe(zara, "https://8.8.8.8/zara");

            var listed = await HubApi.ReadJson(await zara.GetAsync("/v1/subscriptions"), HttpStatusCode.OK);
            Assert.Multiple(() =>
            {
                Assert.That(
                    own["brands"]!.AsArray().Select(b => b!.GetValue<string>()),
                    Is.EqualTo(new[] { "Zara" }),
                    "limited to the key's brands by default"
                );
                Assert.That(
                    listed["items"]!.AsArray().Select(s => s!["id"]!.GetValue<Guid>()),
                    Is.EquivalentTo(new[] { zarasByAdmin, own["id"]!.GetValue<Guid>() })
                );
            });

            foreach (var other in new[] { everyBrand, hm, mixed })
            {
                foreach (
                    var response in new[]
                    {
                        await zara.GetAsync($"/v1/subscriptions/{other}"),
                        await zara.PatchAsJsonAsync($"/v1/subscriptions/{other}", new { enabled = false }),
                        await zara.GetAsync($"/v1/subscriptions/{other}/deliveries"),
                        await zara.PostAsync($"/v1/subscriptions/{other}/test", null),
                        await zara.PostAsync(
                            $"/v1/subscriptions/{other}/deliveries/{Guid.CreateVersion7()}/redeliver",
                            null
                        ),
                        await zara.PostAsJsonAsync($"/v1/subscriptions/{other}/replay", new { fromSequence = 1 }),
                        await zara.PostAsync($"/v1/subscriptions/{other}/rotate-secret", null),
                        await zara.DeleteAsync($"/v1/subscriptions/{other}"),
                    }
                )
                {
                    await HubApi.ReadProblem(response, HttpStatusCode.NotFound, "not-found");
                }

                var untouched = await HubApi.ReadJson(
                    await all.GetAsync($"/v1/subscriptions/{other}"),
                    HttpStatusCode.OK
                );
                Assert.That(untouched["enabled"]!.GetValue<bool>(), Is.True, "the brand-limited key changed nothing");
            }

            await HubApi.ReadProblem(
                await zara.PostAsJsonAsync(
                    "/v1/subscriptions",
                    new { url = "https://8.8.8.8/x", brands = new[] { "Zara", "H&M" } }
                ),
                HttpStatusCode.Forbidden,
                "forbidden"
            );
            await HubApi.ReadProblem(
                await zara.PatchAsJsonAsync($"/v1/subscriptions/{own["id"]}", new { brands = new[] { "H&M" } }),
                HttpStatusCode.Forbidden,
                "forbidden"
            );
            await HubApi.ReadProblem(
                await zara.PostAsJsonAsync(
                    "/v1/subscriptions",
                    new { url = "https://8.8.8.8/x", brands = Array.Empty<string>() }
                ),
                HttpStatusCode.BadRequest,
                "validation-failed"
            );
            Assert.That(
                (await zara.DeleteAsync($"/v1/subscriptions/{own["id"]}")).StatusCode,
                Is.EqualTo(HttpStatusCode.NoContent)
            );
        }
    }

    [Test]
    public async Task A_brand_limited_subscription_receives_only_its_brands_events_live_and_on_replay()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (all, zara) = await TenantAsync("delivery brands");
        using (all)
        using (zara)
        {
            var limited = (await Subscribe(zara, receiver.Url("/zara"), ["*"]))["id"]!.GetValue<Guid>();
            await Subscribe(all, receiver.Url("/every-brand"), ["*"]);
            var zaraChannel = await all.CreateChannelAsync("instagram", "Zara");
            var hmChannel = await all.CreateChannelAsync("whatsapp", "H&M");
            await all.IngestAsync(HubApi.Engagement(zaraChannel, "ig-1", "noura"));
            await all.IngestAsync(HubApi.Engagement(hmChannel, "wa-1", "971500000001"));

            // Every subscription's deliveries of an event are written together: once the unrestricted one has all six,
            // the limited one has all it will ever get.
            await receiver.WaitForAsync(r => r.Path == "/every-brand", 6);
            var logged = await DeliveredCount(zara, limited);
            var live = await receiver.WaitForAsync(r => r.Path == "/zara", 3);
            var replay = await HubApi.ReadJson(
                await zara.PostAsJsonAsync($"/v1/subscriptions/{limited}/replay", new { fromSequence = 1 }),
                HttpStatusCode.OK
            );
            var both = await receiver.WaitForAsync(r => r.Path == "/zara", 6);
            Assert.Multiple(() =>
            {
                Assert.That(
                    logged,
                    Is.EqualTo(3),
                    "Zara's customer.created, conversation.opened and engagement.received"
                );
                Assert.That(
                    live.Select(r => JsonNode.Parse(r.Body)!["data"]!["brand"]!.GetValue<string>()),
                    Is.All.EqualTo("Zara")
                );
                Assert.That(
                    replay["replayed"]!.GetValue<int>(),
                    Is.EqualTo(3),
                    "replay re-sends Zara's three events, none of H&M's"
                );
                Assert.That(
                    both.Select(r => JsonNode.Parse(r.Body)!["data"]!["brand"]!.GetValue<string>()),
                    Is.All.EqualTo("Zara")
                );
            });
        }
    }

    [Test]
    public async Task Events_without_a_brand_reach_a_brand_limited_subscription_only_if_they_concern_its_brands_alone()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = (path, _) => path.StartsWith("/gone", StringComparison.Ordinal) ? 410 : 200;
        var (all, zara) = await TenantAsync("brandless events");
        using (all)
        using (zara)
        {
            var limited = (
                await Subscribe(
                    zara,
                    receiver.Url("/zara"),
                    ["customer.identity_linked", "customer.merged", "subscription.*"]
                )
            )["id"]!.GetValue<Guid>();
            await Subscribe(
                all,
                receiver.Url("/ops"),
                ["customer.identity_linked", "customer.merged", "subscription.*"]
            );
            var zaraInstagram = await all.CreateChannelAsync("instagram", "Zara");
            var hmInstagram = await all.CreateChannelAsync("instagram", "H&M");
            async Task<Guid> Customer(Guid channel, string user) =>
                (await all.IngestAsync(HubApi.Engagement(channel, $"{user}-{channel}", user)))[
                    "customerId"
                ]!.GetValue<Guid>();
            var zaraOnly = await Customer(zaraInstagram, "zara-only");
            var zaraOnlyToo = await Customer(zaraInstagram, "zara-only-too");
            var shared = await Customer(zaraInstagram, "shared");
            Assert.That(await Customer(hmInstagram, "shared"), Is.EqualTo(shared), "one customer for both brands");
            var hmOnly = await Customer(hmInstagram, "hm-only");
            var hmOnlyToo = await Customer(hmInstagram, "hm-only-too");

            async Task Link(Guid customer, string user) =>
                await HubApi.ReadJson(
                    await all.PostAsJsonAsync(
                        $"/v1/customers/{customer}/identities",
                        new { channelType = "sms", platformUserId = user }
                    ),
                    HttpStatusCode.Created
                );
            async Task Merge(Guid survivor, Guid merged) =>
                await HubApi.ReadJson(
                    await all.PostAsJsonAsync($"/v1/customers/{survivor}/merge", new { customerId = merged }),
                    HttpStatusCode.OK
                );
            await Link(zaraOnly, "+1"); // Zara's customer: sent
            await Link(shared, "+2"); // shared with H&M, but Zara's too: sent, as GET /v1/customers/{id} would show it
            await Link(hmOnly, "+3"); // H&M's alone: not sent
            await Merge(zaraOnly, zaraOnlyToo); // only Zara conversations moved: sent
            await Merge(shared, hmOnlyToo); // names H&M's conversations: not sent

            // Two endpoints that answer 410 to their one delivery: one subscription for Zara (its disabling is sent),
            // one for every brand (not sent).
            var zaraGone = (await Subscribe(zara, receiver.Url("/gone-zara"), ["engagement.received"]))[
                "id"
            ]!.GetValue<Guid>();
            var everyBrandGone = (await Subscribe(all, receiver.Url("/gone-all"), ["engagement.received"]))[
                "id"
            ]!.GetValue<Guid>();
            await Customer(zaraInstagram, "last");

            var ops = await receiver.WaitForAsync(r => r.Path == "/ops", 7);
            var logged = await DeliveredCount(zara, limited);
            var received = (await receiver.WaitForAsync(r => r.Path == "/zara", 4))
                .Select(r => JsonNode.Parse(r.Body)!)
                .ToList();
            var replay = await HubApi.ReadJson(
                await zara.PostAsJsonAsync($"/v1/subscriptions/{limited}/replay", new { fromSequence = 1 }),
                HttpStatusCode.OK
            );
            Assert.Multiple(() =>
            {
                Assert.That(
                    ops.Select(r => JsonNode.Parse(r.Body)!["type"]!.GetValue<string>())
                        .Count(t => t == "subscription.disabled"),
                    Is.EqualTo(2)
                );
                Assert.That(logged, Is.EqualTo(4), "no more than these four were ever queued");
                Assert.That(
                    received.Select(e => (e["type"]!.GetValue<string>(), e["subject"]!.GetValue<Guid>())),
                    Is.EquivalentTo(
                        new[]
                        {
                            ("customer.identity_linked", zaraOnly),
                            ("customer.identity_linked", shared),
                            ("customer.merged", zaraOnly),
                            ("subscription.disabled", zaraGone),
                        }
                    ),
                    "nothing about H&M's customers, a merge that moved H&M's conversations, or a subscription "
                        + "for every brand"
                );
                Assert.That(received.Select(e => e["subject"]!.GetValue<Guid>()), Has.None.EqualTo(everyBrandGone));
                Assert.That(replay["replayed"]!.GetValue<int>(), Is.EqualTo(4), "replay decides alike");
            });
        }
    }
}
