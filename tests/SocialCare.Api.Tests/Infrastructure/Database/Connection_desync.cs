using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using SocialCare.Api.Tests.Support;
using SocialCare.FakePlatform;

namespace SocialCare.Api.Tests.Infrastructure.Database;

/// <summary>
/// The protocol desync found by an abuse run (issue 14, item 13). With auto-prepare, a row-returning statement whose
/// second use on a connection — the one that prepares it — fails at Bind (a value PostgreSQL refuses: U+0000, an
/// unpaired surrogate escape in jsonb, a number past numeric) left Npgsql 10.0.3 believing the statement prepared
/// without its row description; its next use on that connection threw "Received unexpected backend message DataRow" (a
/// 500 to an innocent request). Fresh hubs with a one-connection pool, so that every statement runs on the connection
/// the refused value poisoned, repeat each first use → refused value → many normal uses.
/// </summary>
public sealed class Connection_desync
{
    private const string DemoKey = "sch_demo_desync_0123456789abcdefghijklmnop";
    private const string AppSecret = "desync-app-secret";
    private const int Hubs = 3;
    private const int NormalUses = 8;
    private const string PlatformWebhook = "platform webhook";
    private const string SeededWorkspace = "workspace name";

    [Test]
    public async Task Refused_values_never_desync_a_pooled_connection_on_fresh_hubs()
    {
        var failures = new List<string>();
        for (var run = 1; run <= Hubs; run++)
        {
            await WithFreshHubAsync(
                async (hub, errors) =>
                {
                    failures.AddRange((await RunScenariosAsync(hub)).Select(f => $"hub {run}: {f}"));
                    failures.AddRange(errors.Errors.Select(e => $"hub {run} logged: {e}"));
                }
            );
        }

        Assert.That(failures, Is.Empty);
    }

    [Test]
    public async Task A_refusal_at_bind_that_reaches_the_exception_handler_leaves_no_poisoned_connection() =>
        await WithFreshHubAsync(
            async (hub, _) =>
            {
                var dataSource = hub.Services.GetRequiredService<NpgsqlDataSource>();
                Assert.That(await EchoAsync(dataSource, "prepared next time"), Is.EqualTo("prepared next time"));
                PostgresException? refused = null;
                try
                {
                    await EchoAsync(dataSource, "a\0b");
                }
                catch (PostgresException e)
                {
                    refused = e;
                }

                Assert.That(
                    refused?.SqlState,
                    Is.EqualTo(PostgresErrorCodes.CharacterNotInRepertoire),
                    "PostgreSQL refused the NUL at Bind"
                );

                await using var scope = hub.Services.CreateAsyncScope();
                var http = new DefaultHttpContext
                {
                    RequestServices = scope.ServiceProvider,
                    Response = { Body = new MemoryStream() },
                };
                foreach (var handler in hub.Services.GetServices<IExceptionHandler>())
                {
                    await handler.TryHandleAsync(http, refused!, CancellationToken.None);
                }

                Assert.Multiple(async () =>
                {
                    Assert.That(http.Response.StatusCode, Is.EqualTo(StatusCodes.Status400BadRequest));
                    Assert.That(await EchoAsync(dataSource, "innocent"), Is.EqualTo("innocent"));
                });
            }
        );

    private static async Task<string> EchoAsync(NpgsqlDataSource dataSource, string text)
    {
        await using var command = dataSource.CreateCommand("select $1::text as echo");
        command.Parameters.Add(new NpgsqlParameter { Value = text });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return reader.GetString(0);
    }

    /// <summary>Each scenario: a statement's first use, its use with a refused value, then normal uses that must all
    /// succeed.</summary>
    private static async Task<List<string>> RunScenariosAsync(WebApplicationFactory<Program> hub)
    {
        using var admin = Client(hub, HubFactory.AdminKey);
        using var demo = Client(hub, DemoKey);
        var failures = new List<string>();
        async Task Scenario(
            string name,
            Func<int, Task<HttpResponseMessage>> use,
            HttpStatusCode normal,
            params Func<Task<HttpResponseMessage>>[] unstorable
        )
        {
            if (name != SeededWorkspace)
            {
                await Expect(failures, name, await use(-1), normal);
            }

            foreach (var send in unstorable)
            {
                // The API refuses such a value; a platform's webhook is taken, cleaned.
                await Expect(
                    failures,
                    name,
                    await send(),
                    name == PlatformWebhook ? HttpStatusCode.OK : HttpStatusCode.BadRequest
                );
            }

            for (var i = 0; i < NormalUses; i++)
            {
                await Expect(failures, name, await use(i), normal);
            }
        }

        // The demo seeder made the first use of "insert into workspaces … returning created_at" at start-up, as in the
        // abuse run.
        await Scenario(
            SeededWorkspace,
            i => admin.PostAsync("/v1/workspaces", HubApi.Json($$"""{"name":"w{{i}}"}""")),
            HttpStatusCode.Created,
            () =>
                admin.PostAsync(
                    "/v1/workspaces",
                    HubApi.Json("""{"name":"a\u0000b","text":"a\u0000b","url":"https://e.com/\u0000"}""")
                )
        );
        await Scenario(
            "query string",
            i => demo.GetAsync($"/v1/conversations?brand=b{i}"),
            HttpStatusCode.OK,
            () => demo.GetAsync("/v1/conversations?brand=a%00b")
        );
        await Scenario(
            "channel settings",
            i =>
                demo.PostAsync(
                    "/v1/channels",
                    HubApi.Json($$$"""{"type":"sms","name":"c{{{i}}}","brand":"B","settings":{"k":"v{{{i}}}"}}""")
                ),
            HttpStatusCode.Created,
            () =>
                demo.PostAsync(
                    "/v1/channels",
                    HubApi.Json("""{"type":"sms","name":"c","brand":"B","settings":{"k":"a\u0000b"}}""")
                ),
            () =>
                demo.PostAsync(
                    "/v1/channels",
                    HubApi.Json("""{"type":"sms","name":"c","brand":"B","settings":{"k":"\ud800"}}""")
                ),
            () =>
                demo.PostAsync(
                    "/v1/channels",
                    HubApi.Json("""{"type":"sms","name":"c","brand":"B","settings":{"k":1e100000}}""")
                )
        );

        var channelId = await demo.CreateChannelAsync(
            "whatsapp",
            "B",
            new
            {
                phoneNumberId = "1065",
                appSecret = AppSecret,
                verifyToken = "v",
            }
        );
        var conversationId = (await demo.IngestAsync(HubApi.Engagement(channelId, "wamid.0", "971500000001")))[
            "conversationId"
        ]!.GetValue<Guid>();
        var context = $"/v1/conversations/{conversationId}/context";
        await Scenario(
            "context values",
            i => demo.PostAsync(context, HubApi.Json($$$"""{"values":{"k":{{{i}}}}}""")),
            HttpStatusCode.OK,
            () => demo.PostAsync(context, HubApi.Json("""{"values":{"k":"a\u0000b"}}""")),
            () => demo.PostAsync(context, HubApi.Json("""{"values":{"k":"\ud800"}}""")),
            () => demo.PostAsync(context, HubApi.Json("""{"values":{"k":1e100000}}"""))
        );
        await Scenario(
            "engagement metadata",
            i => demo.PostAsync("/v1/engagements", HubApi.Json(Engagement(channelId, $"wamid.m{i}", """{"k":"v"}"""))),
            HttpStatusCode.Accepted,
            () =>
                demo.PostAsync(
                    "/v1/engagements",
                    HubApi.Json(Engagement(channelId, "wamid.nul", """{"k":"a\u0000b"}"""))
                ),
            () =>
                demo.PostAsync("/v1/engagements", HubApi.Json(Engagement(channelId, "wamid.big", """{"k":1e100000}""")))
        );
        var notes = $"/v1/conversations/{conversationId}/notes";
        await Scenario(
            "idempotency key",
            i => demo.SendAsync(WithHeader(notes, "Idempotency-Key", $"note-{i}")),
            HttpStatusCode.OK,
            () => demo.SendAsync(WithHeader(notes, "Idempotency-Key", "note\0"))
        );
        await Scenario(
            "actor header",
            i => demo.SendAsync(WithHeader(notes, "X-Actor", $"agent-{i}")),
            HttpStatusCode.OK,
            () => demo.SendAsync(WithHeader(notes, "X-Actor", "agent\0"))
        );

        using var platform = hub.CreateClient();
        await Scenario(
            PlatformWebhook,
            i => Hook(platform, channelId, $"wamid.h{i}", "fine"),
            HttpStatusCode.OK,
            () => Hook(platform, channelId, "wamid.hnul", "a\\u0000b"),
            () => Hook(platform, channelId, "wamid.hsurrogate", "\\ud800")
        );
        return failures;
    }

    private static async Task Expect(
        List<string> failures,
        string scenario,
        HttpResponseMessage response,
        HttpStatusCode expected
    )
    {
        if (response.StatusCode != expected)
        {
            failures.Add(
                $"{scenario}: {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered "
                    + $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}"
            );
        }
    }

    private static string Engagement(Guid channelId, string messageId, string metadata) =>
        $$"""
            {"channelId":"{{channelId}}","platformMessageId":"{{messageId}}","author":{"platformUserId":"971500000001"},
             "text":"hi","visibility":"private","occurredAt":"{{DateTimeOffset.UtcNow.AddSeconds(-1):O}}",
             "metadata":{{metadata}}}
            """;

    private static HttpRequestMessage WithHeader(string path, string header, string value)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = HubApi.Json("""{"text":"a note"}""") };
        request.Headers.TryAddWithoutValidation(header, value);
        return request;
    }

    /// <summary>A signed WhatsApp message whose raw <c>context</c> (kept as metadata) holds <paramref
    /// name="contextId"/>, escaped as written.</summary>
    private static Task<HttpResponseMessage> Hook(
        HttpClient platform,
        Guid channelId,
        string messageId,
        string contextId
    ) =>
        PlatformWebhooks.PushMetaAsync(
            platform,
            "whatsapp",
            channelId,
            AppSecret,
            $$$"""
            {"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages",
             "value":{"messaging_product":"whatsapp","metadata":{"phone_number_id":"1065"},
             "messages":[{"from":"971500000001","id":"{{{messageId}}}",
             "timestamp":"{{{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}}}",
             "type":"text","text":{"body":"hello"},"context":{"id":"{{{contextId}}}"}}]}}]}]}
            """
        );

    private static HttpClient Client(WebApplicationFactory<Program> hub, string key)
    {
        var client = hub.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private static async Task WithFreshHubAsync(Func<WebApplicationFactory<Program>, LogCapture, Task> test) =>
        await TestEnvironment.WithDatabaseAsync(
            "desync",
            async database =>
            {
                var errors = new LogCapture();
                await using var root = new HubFactory(
                    new Dictionary<string, string?>
                    {
                        ["ConnectionStrings:Postgres"] = new NpgsqlConnectionStringBuilder(database)
                        {
                            MaxPoolSize = 1,
                        }.ConnectionString,
                        ["Demo:ApiKey"] = DemoKey,
                    }
                );
                var hub = root.WithWebHostBuilder(builder =>
                    builder.ConfigureLogging(logging => logging.AddProvider(errors))
                );
                using (var probe = hub.CreateClient())
                {
                    await Eventually.Until(
                        async () => (await probe.GetAsync("/health/ready")).StatusCode,
                        status => status == HttpStatusCode.OK,
                        TimeSpan.FromSeconds(60),
                        "/health/ready to answer 200"
                    );
                }

                errors.Clear();

                await test(hub, errors);
            }
        );
}
