using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using SocialCare.FakePlatform;

namespace SocialCare.Benchmarks;

/// <summary>
/// WhatsApp Cloud API webhooks into the hub's native connector at a paced rate: each POST carries one text message in
/// the documented payload shape, signed with the app secret; the figure is the time to the 200 Meta waits for.
/// </summary>
internal static class WhatsAppPhase
{
    private const string AppSecret = "bench-app-secret";
    private const string PhoneNumberId = "106540352242922";
    private static int _number;

    public static async Task<PhaseResult> RunAsync(HttpClient http, int seconds, int rate)
    {
        var created = await http.PostAsJsonAsync(
            "/v1/channels",
            new
            {
                type = "whatsapp",
                name = "bench whatsapp",
                brand = "Bench",
                settings = new
                {
                    phoneNumberId = PhoneNumberId,
                    appSecret = AppSecret,
                    verifyToken = "bench-verify",
                },
            }
        );
        var channelId = JsonNode.Parse(await created.EnsureSuccessStatusCode().Content.ReadAsStringAsync())![
            "id"
        ]!.GetValue<Guid>();
        return await Bench.OpenLoopAsync(seconds, rate, () => PostAsync(http, channelId));
    }

    private static Task<(bool Ok, double Ms)> PostAsync(HttpClient http, Guid channelId)
    {
        var n = Interlocked.Increment(ref _number);
        var from = (971500000000L + (n % Bench.Authors)).ToString(CultureInfo.InvariantCulture);
        var body = new JsonObject
        {
            ["object"] = "whatsapp_business_account",
            ["entry"] = new JsonArray(
                new JsonObject
                {
                    ["id"] = "102290129340398",
                    ["changes"] = new JsonArray(
                        new JsonObject
                        {
                            ["field"] = "messages",
                            ["value"] = new JsonObject
                            {
                                ["messaging_product"] = "whatsapp",
                                ["metadata"] = new JsonObject
                                {
                                    ["display_phone_number"] = "15550783881",
                                    ["phone_number_id"] = PhoneNumberId,
                                },
                                ["contacts"] = new JsonArray(
                                    new JsonObject
                                    {
                                        ["profile"] = new JsonObject { ["name"] = "عميل" },
                                        ["wa_id"] = from,
                                    }
                                ),
                                ["messages"] = new JsonArray(
                                    new JsonObject
                                    {
                                        ["from"] = from,
                                        ["id"] = $"wamid.bench.{n}",
                                        ["timestamp"] = DateTimeOffset
                                            .UtcNow.ToUnixTimeSeconds()
                                            .ToString(CultureInfo.InvariantCulture),
                                        ["type"] = "text",
                                        ["text"] = new JsonObject { ["body"] = $"Order {n} is late 😡 — طلبي متأخر" },
                                    }
                                ),
                            },
                        }
                    ),
                }
            ),
        }.ToJsonString();
        return Bench.TimeAsync(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/hooks/whatsapp/{channelId}")
            {
                Content = new StringContent(body, Encoding.UTF8, "application/json"),
            };
            request.Headers.TryAddWithoutValidation(
                "X-Hub-Signature-256",
                PlatformWebhooks.MetaSignature(AppSecret, Encoding.UTF8.GetBytes(body))
            );
            return await http.SendAsync(request);
        });
    }
}
