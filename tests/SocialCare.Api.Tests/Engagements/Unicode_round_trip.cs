using System.Net;
using System.Text;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Engagements;

/// <summary>Text in any script, right-to-left included, comes back exactly as it went in: API, store, bus,
/// changefeed.</summary>
public sealed class Unicode_round_trip
{
    private static readonly string[] Texts =
    [
        "مرحبا، طلبي رقم ١٢٣٤ لم يصل بعد 😡", // Arabic with Arabic-Indic digits
        "\u200Fשלום, ההזמנה שלי\u200F (#42) \u202Bלא הגיעה\u202C", // Hebrew with RLM and embedding marks
        "Salam, pesanan saya belum sampai lagi. Terima kasih!", // Malay
        "我的订单还没到。注文がまだ届きません。주문이 아직 안 왔어요.", // CJK
        "Family 👨‍👩‍👧‍👦, flag 🇦🇪, skin tone 👋🏽, keycap 1️⃣", // emoji with ZWJ sequences and modifiers
    ];

    [Test]
    public async Task Every_script_round_trips_byte_exact_through_ingest_store_bus_and_read_api()
    {
        await using var tap = await RabbitTap.BindAsync("socialcare.engagement.received");
        await using var hub = await new HubFactory().StartAsync();
        var (workspaceId, client) = await hub.CreateTenantAsync("unicode");
        using (client)
        {
            var channel = await client.CreateChannelAsync("instagram", "Al Tayer");
            var conversations = new List<Guid>();
            for (var i = 0; i < Texts.Length; i++)
            {
                var ids = await client.IngestAsync(
                    HubApi.Engagement(channel, $"ig-{i}", $"user-{i}", Texts[i], displayName: Texts[i][..6])
                );
                conversations.Add(ids["conversationId"]!.GetValue<Guid>());
            }

            var messages = await tap.WaitForAsync(workspaceId, Texts.Length);
            var feed = await client.WaitForEventsAsync(Texts.Length, "engagement.received");
            for (var i = 0; i < Texts.Length; i++)
            {
                var expected = Encoding.UTF8.GetBytes(Texts[i]);
                var read = await HubApi.ReadJson(
                    await client.GetAsync($"/v1/conversations/{conversations[i]}"),
                    HttpStatusCode.OK
                );
                var viaApi = read["latestEngagements"]![0]!["text"]!.GetValue<string>();
                var viaBus = messages.Single(m => m["platformMessageId"]!.GetValue<string>() == $"ig-{i}")[
                    "text"
                ]!.GetValue<string>();
                var viaFeed = feed.Single(e => e!["data"]!["platformMessageId"]!.GetValue<string>() == $"ig-{i}")![
                    "data"
                ]!["text"]!.GetValue<string>();
                Assert.Multiple(() =>
                {
                    Assert.That(Encoding.UTF8.GetBytes(viaApi), Is.EqualTo(expected), $"read API, text {i}");
                    Assert.That(Encoding.UTF8.GetBytes(viaBus), Is.EqualTo(expected), $"RabbitMQ, text {i}");
                    Assert.That(Encoding.UTF8.GetBytes(viaFeed), Is.EqualTo(expected), $"changefeed, text {i}");
                    Assert.That(read["customer"]!["displayName"]!.GetValue<string>(), Is.EqualTo(Texts[i][..6]));
                });
            }
        }
    }
}
