using System.Net;
using System.Text;
using System.Text.Json;
using SocialCare.Api.Channels.Meta;
using SocialCare.Api.Tests.Support;
using SocialCare.FakePlatform;

namespace SocialCare.Api.Tests.Channels.Hooks;

/// <summary>
/// A platform retries a refused webhook for days, so a payload holding what PostgreSQL cannot store (U+0000, unpaired
/// surrogates, bad UTF-8, numbers beyond numeric) is taken, cleaned, rather than refused.
/// </summary>
public sealed class Storable_payloads : ConnectorFixture
{
    private const string PhoneNumberId = "106540352242977";

    [TestCase("\"a\\u0000b\"", "ab")]
    [TestCase("\"a\\ud800b\"", "a\uFFFDb")]
    [TestCase("\"\\udc00\\ud83d\\ude00\"", "\uFFFD\U0001F600")]
    [TestCase("\"caf\\u00e9 \\\"ok\\\"\"", "café \"ok\"")]
    public void Text_is_storable_whatever_the_string_holds(string raw, string expected)
    {
        using var json = JsonDocument.Parse($$"""{"t": {{raw}}}""");
        Assert.That(json.RootElement.Text("t"), Is.EqualTo(expected));
    }

    [Test]
    public void Text_of_a_string_that_is_not_utf8_is_read_with_replacement_characters()
    {
        var bytes = Encoding.UTF8.GetBytes("""{"t": "a_b"}""");
        bytes[8] = 0xFF;
        using var json = JsonDocument.Parse(bytes);
        Assert.That(json.RootElement.Text("t"), Is.EqualTo("a\uFFFDb"));
    }

    [Test]
    public void Parse_cleans_strings_member_names_and_numbers_that_postgres_refuses()
    {
        using var json = JsonReading.Parse(
            Encoding.UTF8.GetBytes(
                """{"n\u0000ame": "x\u0000y", "s": ["\ud800", 1e100000, 2.5e3, true, null], "ok": "ÿ"}"""
            )
        );
        var root = json.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(root.GetRawText(), Does.Not.Contain("\\u0000").And.Not.Contain("\\ud800"));
            Assert.That(root.GetProperty("name").GetString(), Is.EqualTo("xy"));
            Assert.That(root.GetProperty("s")[0].GetString(), Is.EqualTo("\uFFFD"));
            Assert.That(root.GetProperty("s")[1].GetString(), Is.EqualTo("1e100000"), "kept as its text");
            Assert.That(root.GetProperty("s")[2].GetDouble(), Is.EqualTo(2500));
            Assert.That(root.GetProperty("s")[3].GetBoolean(), Is.True);
            Assert.That(root.GetProperty("ok").GetString(), Is.EqualTo("ÿ"));
        });
    }

    [Test]
    public void Parse_leaves_a_storable_payload_as_it_came()
    {
        const string payload = """{"a": "\u0041\u00e9 😀", "b": [1e3, -0.5]}""";
        using var json = JsonReading.Parse(Encoding.UTF8.GetBytes(payload));
        Assert.That(json.RootElement.GetRawText(), Is.EqualTo(payload));
    }

    [Test]
    public async Task Whatsapp_message_holding_nul_surrogates_and_huge_numbers_is_taken_cleaned()
    {
        var (_, client) = await Hub.CreateTenantAsync("wa unstorable");
        using (client)
        {
            var channelId = await client.CreateChannelAsync(
                "whatsapp",
                "Namshi",
                new
                {
                    phoneNumberId = PhoneNumberId,
                    appSecret = AppSecret,
                    verifyToken = VerifyToken,
                }
            );
            var body = Fixture("whatsapp-text.json", ("wamid", "wamid.unstorable"))
                .Replace("106540352242922", PhoneNumberId, StringComparison.Ordinal)
                .Replace("Sheena Nelson", "Shee\\u0000na \\ud800", StringComparison.Ordinal)
                .Replace("Does it come in another color?", "Does it\\u0000 come?", StringComparison.Ordinal)
                .Replace(
                    "\"type\": \"text\",",
                    "\"type\": \"text\", \"context\": {\"fr\\u0000om\": \"1\\u0000\", \"id\": \"\\udfff\", "
                        + "\"weight\": 1e100000},",
                    StringComparison.Ordinal
                );
            using var platform = PlatformClient();
            var receipt = await HubApi.ReadJson(
                await PlatformWebhooks.PushMetaAsync(platform, "whatsapp", channelId, AppSecret, body),
                HttpStatusCode.OK
            );
            Assert.That(receipt["engagements"]!.GetValue<int>(), Is.EqualTo(1));

            var list = await HubApi.ReadJson(await client.GetAsync("/v1/conversations"), HttpStatusCode.OK);
            var conversation = await HubApi.ReadJson(
                await client.GetAsync($"/v1/conversations/{list["items"]![0]!["id"]}"),
                HttpStatusCode.OK
            );
            var engagement = conversation["latestEngagements"]![0]!;
            Assert.Multiple(() =>
            {
                Assert.That(engagement["text"]!.GetValue<string>(), Is.EqualTo("Does it come?"));
                Assert.That(conversation["customer"]!["displayName"]!.GetValue<string>(), Is.EqualTo("Sheena \uFFFD"));
                var context = engagement["metadata"]!["whatsapp"]!["context"]!;
                Assert.That(context["from"]!.GetValue<string>(), Is.EqualTo("1"));
                Assert.That(context["id"]!.GetValue<string>(), Is.EqualTo("\uFFFD"));
                Assert.That(context["weight"]!.GetValue<string>(), Is.EqualTo("1e100000"));
            });
        }
    }
}
