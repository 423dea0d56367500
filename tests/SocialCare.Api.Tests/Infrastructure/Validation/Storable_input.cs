using System.Net;
using System.Text;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Infrastructure.Validation;

/// <summary>
/// Values PostgreSQL refuses are refused at the API's boundary, wherever they are in a request — a 400 problem with a
/// stable code, never a 500 — and nothing is written.
/// </summary>
public sealed class Storable_input : HubFixture
{
    private Guid _workspaceId;
    private Guid _conversationId;
    private HttpClient _client = null!;

    [OneTimeSetUp]
    public async Task CreateConversation()
    {
        (_workspaceId, _client) = await Hub.CreateTenantAsync("storable input");
        var channel = await _client.CreateChannelAsync("sms", "Namshi");
        _conversationId = (await _client.IngestAsync(HubApi.Engagement(channel, "sms-1", "+971500000001")))[
            "conversationId"
        ]!.GetValue<Guid>();
    }

    [OneTimeTearDown]
    public void DisposeClient() => _client.Dispose();

    [TestCase("notes", """{"text":"a\u0000b"}""", "$.text", TestName = "NUL in a typed string")]
    [TestCase("context", """{"values":{"k\u0000":1}}""", "$.values.k", TestName = "NUL in a free-form member name")]
    [TestCase(
        "context",
        """{"values":{"k":{"deep":["x","\u0000"]}}}""",
        "$.values.k.deep[1]",
        TestName = "NUL deep in a free-form value"
    )]
    [TestCase(
        "context",
        """{"values":{"k":"\ud800"}}""",
        "$.values.k",
        TestName = "Unpaired high surrogate in a free-form value"
    )]
    [TestCase(
        "context",
        """{"values":{"k":"\udc00x"}}""",
        "$.values.k",
        TestName = "Unpaired low surrogate in a free-form value"
    )]
    [TestCase(
        "notes",
        """{"text":"ok","ignored":"\u0000"}""",
        "$.ignored",
        TestName = "NUL in a member the binder ignores"
    )]
    public async Task Unstorable_character_in_a_body_is_a_400_naming_where(string command, string body, string path)
    {
        var problem = await RefusedAsync(
            () => _client.PostAsync(Command(command), HubApi.Json(body)),
            "unsupported-character"
        );
        Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain(path));
    }

    [TestCase("1e100000")]
    [TestCase("-1e-16384")]
    [TestCase("12345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901")]
    public async Task Number_beyond_what_postgres_stores_is_a_400(string number) =>
        await RefusedAsync(
            () => _client.PostAsync(Command("context"), HubApi.Json($$$"""{"values":{"n":{{{number}}}}}""")),
            "unsupported-number"
        );

    [Test]
    public async Task Largest_storable_numbers_are_taken()
    {
        var response = await _client.PostAsync(
            Command("context"),
            HubApi.Json("""{"values":{"big":1e1000,"small":-1E-1000,"plain":123.456}}""")
        );
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task String_that_is_not_utf8_is_malformed_json()
    {
        var bytes = Encoding.UTF8.GetBytes("""{"values":{"k":"a_b"}}""");
        bytes[Array.IndexOf(bytes, (byte)'_')] = 0xC3;
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        await RefusedAsync(() => _client.PostAsync(Command("context"), content), "malformed-json");
    }

    [Test]
    public async Task Byte_order_mark_carries_nothing_past_the_check()
    {
        using var content = new ByteArrayContent([
            .. Encoding.UTF8.GetPreamble(),
            .. Encoding.UTF8.GetBytes("""{"text":"a\u0000b"}"""),
        ]);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        await RefusedAsync(() => _client.PostAsync(Command("notes"), content), "unsupported-character");
    }

    [TestCase("utf-16")]
    [TestCase("utf-32")]
    [TestCase("iso-8859-1")]
    public async Task Body_in_another_charset_is_checked_as_the_binder_reads_it(string charset)
    {
        var encoding = Encoding.GetEncoding(charset);
        using var content = new ByteArrayContent(encoding.GetBytes("""{"text":"café \u0000"}"""));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json")
        {
            CharSet = charset,
        };
        var problem = await RefusedAsync(() => _client.PostAsync(Command("notes"), content), "unsupported-character");
        Assert.That(
            problem["detail"]!.GetValue<string>(),
            Does.Contain("$.text"),
            "refused at the boundary, not by PostgreSQL"
        );
    }

    [Test]
    public async Task Body_in_an_unknown_charset_is_a_415()
    {
        var before = await Support.Database.CountEventsAsync(_workspaceId);
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"text":"hello"}"""));
        content.Headers.TryAddWithoutValidation("Content-Type", "application/json; charset=no-such-charset");
        await HubApi.ReadProblem(
            await _client.PostAsync(Command("notes"), content),
            HttpStatusCode.UnsupportedMediaType,
            "unsupported-media-type"
        );
        Assert.That(await Support.Database.CountEventsAsync(_workspaceId), Is.EqualTo(before));
    }

    [TestCase("/v1/conversations?brand=a%00b")]
    [TestCase("/v1/conversations?tag%00=x")]
    [TestCase("/v1/customers?identity=sms:%2B971%00")]
    [TestCase("/v1/events?types=conversation.%00")]
    public async Task Nul_in_the_query_string_is_a_400(string url) =>
        await RefusedAsync(() => _client.GetAsync(url), "unsupported-character");

    [TestCase("X-Actor")]
    [TestCase("Idempotency-Key")]
    public async Task Nul_in_a_header_is_a_400(string header)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Command("notes"))
        {
            Content = HubApi.Json("""{"text":"hello"}"""),
        };
        request.Headers.TryAddWithoutValidation(header, "agent\0x");
        await RefusedAsync(() => _client.SendAsync(request), "unsupported-character");
    }

    private string Command(string command) => $"/v1/conversations/{_conversationId}/{command}";

    private async Task<System.Text.Json.Nodes.JsonNode> RefusedAsync(Func<Task<HttpResponseMessage>> send, string code)
    {
        var before = await Support.Database.CountEventsAsync(_workspaceId);
        var problem = await HubApi.ReadProblem(await send(), HttpStatusCode.BadRequest, code);
        Assert.That(await Support.Database.CountEventsAsync(_workspaceId), Is.EqualTo(before), "nothing was written");
        return problem;
    }
}
