using System.Net;
using System.Net.Http.Json;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Idempotency;

public sealed class Idempotent_creates : HubFixture
{
    protected override IReadOnlyDictionary<string, string?>? Settings =>
        new Dictionary<string, string?> { ["Webhooks:AllowPrivateTargets"] = "true" };

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string path, object? body, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = body is null ? null : JsonContent.Create(body),
        };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return client.SendAsync(request);
    }

    [Test]
    public async Task A_retried_create_answers_as_the_first_did_and_creates_nothing_more()
    {
        var (_, client) = await Hub.CreateTenantAsync("idempotent channels");
        var body = new
        {
            type = "whatsapp",
            name = "KSA line",
            brand = "Namshi",
        };
        using var first = await PostAsync(client, "/v1/channels", body, "create-ksa-line");
        using var retry = await PostAsync(client, "/v1/channels", body, "create-ksa-line");
        var created = await HubApi.ReadJson(first, HttpStatusCode.Created);
        var replayed = await HubApi.ReadJson(retry, HttpStatusCode.Created);
        Assert.Multiple(() =>
        {
            Assert.That(replayed["id"]!.GetValue<Guid>(), Is.EqualTo(created["id"]!.GetValue<Guid>()));
            Assert.That(retry.Headers.GetValues("Idempotent-Replayed").Single(), Is.EqualTo("true"));
            Assert.That(retry.Headers.Location, Is.EqualTo(first.Headers.Location));
            Assert.That(first.Headers.Contains("Idempotent-Replayed"), Is.False);
        });

        await HubApi.ReadProblem(
            await PostAsync(
                client,
                "/v1/channels",
                new
                {
                    type = "x",
                    name = "other",
                    brand = "Namshi",
                },
                "create-ksa-line"
            ),
            HttpStatusCode.UnprocessableEntity,
            "idempotency-key-reused"
        );
        await HubApi.ReadJson(await PostAsync(client, "/v1/channels", body, null), HttpStatusCode.Created);
        var all = await HubApi.ReadJson(await client.GetAsync("/v1/channels"), HttpStatusCode.OK);
        Assert.That(
            all["items"]!.AsArray(),
            Has.Count.EqualTo(2),
            "the retry created nothing; the request without a key did"
        );
    }

    [Test]
    public async Task A_retried_secret_rotation_returns_the_same_secret_instead_of_rotating_twice()
    {
        var (_, client) = await Hub.CreateTenantAsync("idempotent rotation");
        var subscription = await HubApi.ReadJson(
            await client.PostAsJsonAsync("/v1/subscriptions", new { url = "http://127.0.0.1:9/hook" }),
            HttpStatusCode.Created
        );
        var path = $"/v1/subscriptions/{subscription["id"]}/rotate-secret";
        var first = await HubApi.ReadJson(await PostAsync(client, path, null, "rotate-2026-11"), HttpStatusCode.OK);
        var retry = await HubApi.ReadJson(await PostAsync(client, path, null, "rotate-2026-11"), HttpStatusCode.OK);
        var again = await HubApi.ReadJson(await PostAsync(client, path, null, "rotate-2026-12"), HttpStatusCode.OK);
        Assert.Multiple(() =>
        {
            Assert.That(retry["secret"]!.GetValue<string>(), Is.EqualTo(first["secret"]!.GetValue<string>()));
            Assert.That(
                again["secret"]!.GetValue<string>(),
                Is.Not.EqualTo(first["secret"]!.GetValue<string>()),
                "a new key rotates again"
            );
        });
    }

    [Test]
    public async Task A_refused_request_keeps_nothing_and_keys_belong_to_one_api_key()
    {
        var (workspaceId, client) = await Hub.CreateTenantAsync("idempotent refusal");
        await HubApi.ReadProblem(
            await PostAsync(client, $"/v1/subscriptions/{Guid.CreateVersion7()}/rotate-secret", null, "shared-key"),
            HttpStatusCode.NotFound,
            "not-found"
        );
        var body = new
        {
            type = "sms",
            name = "gateway",
            brand = "Namshi",
        };
        var mine = await HubApi.ReadJson(
            await PostAsync(client, "/v1/channels", body, "shared-key"),
            HttpStatusCode.Created
        );

        var (_, otherKey) = await Hub.CreateKeyAsync(workspaceId, "other app", ["channels:manage"]);
        using var other = Hub.ClientWithKey(otherKey);
        using var theirs = await PostAsync(other, "/v1/channels", body, "shared-key");
        var created = await HubApi.ReadJson(theirs, HttpStatusCode.Created);
        Assert.Multiple(() =>
        {
            Assert.That(
                created["id"]!.GetValue<Guid>(),
                Is.Not.EqualTo(mine["id"]!.GetValue<Guid>()),
                "another app's key is its own"
            );
            Assert.That(theirs.Headers.Contains("Idempotent-Replayed"), Is.False);
        });
    }

    [Test]
    public async Task Every_idempotent_route_does_its_work_once_and_replays_its_first_answer()
    {
        var (_, client) = await Hub.CreateTenantAsync("idempotent routes");
        var sms = await client.CreateChannelAsync("sms", "Namshi");
        var first = (await client.IngestAsync(HubApi.Engagement(sms, "r1", "+971501000001")))[
            "customerId"
        ]!.GetValue<Guid>();
        var second = (await client.IngestAsync(HubApi.Engagement(sms, "r2", "+971501000002")))[
            "customerId"
        ]!.GetValue<Guid>();

        async Task<System.Text.Json.Nodes.JsonNode> TwiceAsync(string path, object? body, HttpStatusCode status)
        {
            using var answer = await PostAsync(client, path, body, $"twice {path}");
            using var again = await PostAsync(client, path, body, $"twice {path}");
            var (one, two) = (await answer.Content.ReadAsStringAsync(), await again.Content.ReadAsStringAsync());
            Assert.Multiple(() =>
            {
                Assert.That(answer.StatusCode, Is.EqualTo(status), one);
                Assert.That(again.StatusCode, Is.EqualTo(status), two);
                Assert.That(two, Is.EqualTo(one), path);
                Assert.That(again.Headers.GetValues("Idempotent-Replayed").Single(), Is.EqualTo("true"), path);
            });
            return System.Text.Json.Nodes.JsonNode.Parse(one)!;
        }

        var subscription = await TwiceAsync(
            "/v1/subscriptions",
            new { url = "http://127.0.0.1:9/hook" },
            HttpStatusCode.Created
        );
        Assert.That(subscription["secret"]!.GetValue<string>(), Does.StartWith("whsec_"));
        var path = $"/v1/subscriptions/{subscription["id"]}";
        var test = await TwiceAsync($"{path}/test", null, HttpStatusCode.Accepted);
        await TwiceAsync($"{path}/deliveries/{test["deliveryId"]}/redeliver", null, HttpStatusCode.Accepted);
        await TwiceAsync($"{path}/replay", new { fromSequence = 1 }, HttpStatusCode.OK);
        await TwiceAsync($"{path}/rotate-secret", null, HttpStatusCode.OK);
        await TwiceAsync(
            $"/v1/customers/{first}/identities",
            new { channelType = "whatsapp", platformUserId = "971501000001" },
            HttpStatusCode.Created
        );
        await TwiceAsync($"/v1/customers/{first}/merge", new { customerId = second }, HttpStatusCode.OK);

        var subscriptions = await HubApi.ReadJson(await client.GetAsync("/v1/subscriptions"), HttpStatusCode.OK);
        var deliveries = await HubApi.ReadJson(await client.GetAsync($"{path}/deliveries"), HttpStatusCode.OK);
        var linked = await client.WaitForEventsAsync(1, "customer.identity_linked");
        var merged = await client.WaitForEventsAsync(1, "customer.merged");
        Assert.Multiple(() =>
        {
            Assert.That(subscriptions["items"]!.AsArray(), Has.Count.EqualTo(1));
            Assert.That(
                deliveries["items"]!.AsArray().Count(d => d!["eventType"]!.GetValue<string>() == "webhook.test"),
                Is.EqualTo(1)
            );
            Assert.That(linked, Has.Count.EqualTo(1));
            Assert.That(merged, Has.Count.EqualTo(1));
        });
    }
}
