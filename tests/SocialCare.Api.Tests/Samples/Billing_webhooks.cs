using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Billing.Webhooks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Samples;

public sealed class Billing_webhooks : HubFixture
{
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    [Test]
    public void Verifier_accepts_the_standard_webhooks_test_vector_and_refuses_a_stale_one()
    {
        var verifier = new StandardWebhooks(Secret, TimeSpan.FromMinutes(5));
        var body = """{"test": 2432232314}"""u8.ToArray();
        var signedAt = DateTimeOffset.FromUnixTimeSeconds(1614265330);
        const string signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
        Assert.Multiple(() =>
        {
            Assert.That(
                verifier.Verify(
                    "msg_p5jXN8AQM9LWM0D4loKWxJek",
                    "1614265330",
                    $"v1,bm9wZQ== {signature}",
                    body,
                    signedAt
                ),
                Is.EqualTo(StandardWebhooks.Verdict.Valid)
            );
            Assert.That(
                verifier.Verify("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", signature, body, signedAt.AddMinutes(6)),
                Is.EqualTo(StandardWebhooks.Verdict.Stale)
            );
            Assert.That(
                verifier.Verify("msg_other", "1614265330", signature, body, signedAt),
                Is.EqualTo(StandardWebhooks.Verdict.BadSignature)
            );
        });
    }

    [Test]
    public async Task Invoice_mention_is_linked_and_noted_once_and_a_tampered_delivery_is_refused()
    {
        var (workspaceId, care) = await Hub.CreateTenantAsync("billing sample");
        var (_, billingKey) = await Hub.CreateKeyAsync(
            workspaceId,
            "billing-app",
            ["conversations:read", "conversations:write"]
        );
        var channel = await care.CreateChannelAsync("whatsapp", "Careem");
        var conversationId = (
            await care.IngestAsync(
                HubApi.Engagement(
                    channel,
                    "wamid.inv",
                    "971500000099",
                    "Please check invoice INV-12345, I was overcharged"
                )
            )
        )["conversationId"]!.GetValue<Guid>();

        await using var billing = BillingApp.Build(
            [],
            b =>
            {
                b.WebHost.UseUrls("http://127.0.0.1:0");
                b.Configuration["Billing:HubUrl"] = Hub.Server.BaseAddress.ToString();
                b.Configuration["Billing:ApiKey"] = billingKey;
                b.Configuration["Billing:WebhookSecret"] = Secret;
                b.Services.AddHttpClient(BillingApp.HubClientName)
                    .ConfigurePrimaryHttpMessageHandler(() => Hub.Server.CreateHandler());
            }
        );
        await billing.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(billing.Urls.First()) };
        var body = new JsonObject
        {
            ["specversion"] = "1.0",
            ["id"] = Guid.CreateVersion7().ToString(),
            ["type"] = "engagement.received",
            ["source"] = $"/workspaces/{workspaceId}",
            ["data"] = new JsonObject
            {
                ["conversationId"] = conversationId.ToString(),
                ["text"] = "Please check invoice INV-12345, I was overcharged",
            },
        }.ToJsonString();

        var tampered = await SendAsync(
            http,
            "msg_tampered",
            body.Replace("INV-12345", "INV-20417", StringComparison.Ordinal),
            Sign("msg_tampered", body)
        );
        Assert.That(tampered, Is.EqualTo(HttpStatusCode.Unauthorized));
        var conversation = await HubApi.ReadJson(
            await care.GetAsync($"/v1/conversations/{conversationId}"),
            HttpStatusCode.OK
        );
        Assert.That(conversation["links"]!.AsArray(), Is.Empty, "a tampered delivery changes nothing");

        Assert.That(await SendAsync(http, "msg_1", body, Sign("msg_1", body)), Is.EqualTo(HttpStatusCode.OK));
        Assert.That(
            await SendAsync(http, "msg_1", body, Sign("msg_1", body)),
            Is.EqualTo(HttpStatusCode.OK),
            "a retried delivery is acknowledged"
        );
        var timeline = await HubApi.ReadJson(
            await care.GetAsync($"/v1/conversations/{conversationId}/timeline"),
            HttpStatusCode.OK
        );
        var byBilling = timeline["items"]!
            .AsArray()
            .Where(e => e!["actor"]!["name"]?.GetValue<string>() == "billing-app")
            .Select(e => e!["type"]!.GetValue<string>())
            .ToList();
        Assert.That(
            byBilling,
            Is.EqualTo(new[] { "conversation.linked", "conversation.note_added" }),
            "linked and noted once, however often the delivery came"
        );
        conversation = await HubApi.ReadJson(
            await care.GetAsync($"/v1/conversations/{conversationId}"),
            HttpStatusCode.OK
        );
        Assert.That(conversation["links"]![0]!["recordId"]!.GetValue<string>(), Is.EqualTo("INV-12345"));
    }

    private static string Sign(string id, string body)
    {
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var key = Convert.FromBase64String(Secret["whsec_".Length..]);
        return $"{timestamp}|v1,"
            + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}")));
    }

    private static async Task<HttpStatusCode> SendAsync(HttpClient http, string id, string body, string signed)
    {
        var (timestamp, signature) = (signed.Split('|')[0], signed.Split('|')[1]);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/socialcare")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", timestamp);
        request.Headers.Add("webhook-signature", signature);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }
}
