using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SocialCare.FakePlatform;

/// <summary>A request the fake platform received, and how it answered.</summary>
public sealed record PlatformRequest(
    string Platform,
    string Path,
    string? Authorization,
    JsonNode? Body,
    int Status,
    string? MessageId,
    string? TraceParent = null
);

/// <summary>
/// The platforms' APIs the hub calls, on a real HTTP port: WhatsApp Cloud API, Messenger and Instagram Send APIs,
/// Instagram comment replies (Graph API, <see cref="GraphBaseUrl"/>), and X API v2 tweets and DMs (<see
/// cref="XBaseUrl"/>). It checks each request the way the platform does — the access token of the account, the required
/// fields — and answers in the platform's own shapes, errors included. Tests script failures with
/// <see cref="FailNext"/> and read what arrived in <see cref="Requests"/>.
/// </summary>
public sealed class FakePlatform : IAsyncDisposable
{
    public const string GraphVersion = "v25.0";
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, (string Platform, string Token)> _accounts = new(
        StringComparer.Ordinal
    );
    private readonly ConcurrentQueue<PlatformRequest> _requests = new();
    private readonly ConcurrentQueue<(int Status, string? RetryAfter, string Body)> _failures = new();
    private readonly ConcurrentQueue<string> _nextIds = new();
    private readonly ConcurrentDictionary<string, StatusReporting> _reporting = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(string Status, int Answer)> _reported = new();
    private long _sequence;
    private int _stalls;

    private sealed record StatusReporting(HttpClient Hub, Guid ChannelId, string AppSecret);

    private FakePlatform(WebApplication app) => _app = app;

    public string BaseUrl =>
        _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    /// <summary>What a channel account's <c>graphApiBaseUrl</c> is set to.</summary>
    public string GraphBaseUrl => $"{BaseUrl}/{GraphVersion}";

    /// <summary>What an X channel account's <c>apiBaseUrl</c> is set to.</summary>
    public string XBaseUrl => $"{BaseUrl}/x";

    public IReadOnlyList<PlatformRequest> Requests => _requests.ToList();

    public void AddWhatsAppNumber(string phoneNumberId, string accessToken) =>
        _accounts[phoneNumberId] = ("whatsapp", accessToken);

    public void AddMessengerPage(string pageId, string accessToken) => _accounts[pageId] = ("messenger", accessToken);

    public void AddInstagramAccount(string instagramAccountId, string accessToken) =>
        _accounts[instagramAccountId] = ("instagram", accessToken);

    public void AddXAccount(string userId, string bearerToken) => _accounts[$"x:{bearerToken}"] = ("x", userId);

    /// <summary>
    /// After each message it accepts for <paramref name="account"/>, the fake reports back as the platform does:
    /// WhatsApp <c>sent</c>, <c>delivered</c> and <c>read</c> statuses, Messenger and Instagram delivery and read
    /// receipts — each signed with <paramref name="appSecret"/> and POSTed, in order, to the hub's webhook for
    /// <paramref name="channelId"/>. The first can arrive before the hub has recorded the send it answers, as with the
    /// real platforms.
    /// </summary>
    public void ReportStatusesTo(string account, HttpClient hub, Guid channelId, string appSecret) =>
        _reporting[account] = new StatusReporting(hub, channelId, appSecret);

    public void StopReportingStatuses(string account) => _reporting.TryRemove(account, out _);

    /// <summary>The statuses pushed into the hub so far, with the hub's answer to each.</summary>
    public IReadOnlyList<(string Status, int Answer)> Reported => _reported.ToList();

    /// <summary>The next <paramref name="times"/> sends are answered with <paramref name="status"/> (and
    /// <c>Retry-After</c>, and the body given).</summary>
    public void FailNext(int times, int status, string? retryAfter = null, string? body = null)
    {
        for (var i = 0; i < times; i++)
        {
            _failures.Enqueue(
                (
                    status,
                    retryAfter,
                    body
                        ?? GraphError(
                            status == 429 ? 4 : 2,
                            status == 429 ? "(#4) Application request limit reached" : "Service temporarily unavailable"
                        )
                )
            );
        }
    }

    /// <summary>
    /// The next <paramref name="times"/> calls get their status line and headers at once and then a body that stops
    /// after a few bytes and never ends: a trickling answer, held until the caller hangs up.
    /// </summary>
    public void StallNextBodies(int times) => Interlocked.Add(ref _stalls, times);

    /// <summary>The id the next successful send returns (so a test can send its status before the hub records the
    /// send).</summary>
    public void UseNextMessageId(string id) => _nextIds.Enqueue(id);

    public static async Task<FakePlatform> StartAsync(string url = "http://127.0.0.1:0")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls(url);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var platform = new FakePlatform(app);
        app.Use(
            async (context, next) =>
            {
                if (!TakeOne(ref platform._stalls))
                {
                    await next(context);
                    return;
                }

                context.Response.ContentLength = 1000;
                await context.Response.WriteAsync("{\"data\":");
                await context.Response.Body.FlushAsync();
                // Stalled until the caller gives up on the answer.
                var abandoned = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                await using (context.RequestAborted.Register(() => abandoned.TrySetResult()))
                {
                    await abandoned.Task;
                }
            }
        );
        app.MapPost("/{version}/{account}/messages", platform.MessagesAsync);
        app.MapPost("/{version}/{commentId}/replies", platform.CommentReplyAsync);
        app.MapPost("/x/2/tweets", (Delegate)platform.TweetAsync);
        app.MapPost("/x/2/dm_conversations/with/{participant}/messages", platform.DirectMessageAsync);
        await app.StartAsync();
        return platform;
    }

    private async Task<IResult> MessagesAsync(string account, HttpContext context)
    {
        var body = await ReadAsync(context);
        if (!_accounts.TryGetValue(account, out var known) || known.Platform == "x")
        {
            return Record(
                "graph",
                context,
                body,
                400,
                GraphError(100, $"(#100) Unsupported post request. Object with ID '{account}' does not exist.")
            );
        }

        if (!TokenIs(context, known.Token))
        {
            return Record(
                known.Platform,
                context,
                body,
                401,
                GraphError(190, "Invalid OAuth access token - Cannot parse access token", "OAuthException")
            );
        }

        if (Fault() is { } fault)
        {
            return Record(known.Platform, context, body, fault.Status, fault.Body, retryAfter: fault.RetryAfter);
        }

        if (known.Platform == "whatsapp")
        {
            if (WhatsAppProblem(body) is { } problem)
            {
                return Record(known.Platform, context, body, 400, GraphError(100, problem));
            }

            var wamid = NextId("wamid.");
            var to = body!["to"]!.GetValue<string>();
            var answer = new JsonObject
            {
                ["messaging_product"] = "whatsapp",
                ["contacts"] = new JsonArray(new JsonObject { ["input"] = to, ["wa_id"] = to }),
                ["messages"] = new JsonArray(
                    body["type"]!.GetValue<string>() == "template"
                        ? new JsonObject { ["id"] = wamid, ["message_status"] = "accepted" }
                        : new JsonObject { ["id"] = wamid }
                ),
            };
            Report(account, "whatsapp", to, wamid);
            return Record(known.Platform, context, body, 200, answer.ToJsonString(), wamid);
        }

        if (SendApiProblem(body) is { } sendProblem)
        {
            return Record(known.Platform, context, body, 400, GraphError(100, sendProblem));
        }

        var mid = NextId("m_");
        Report(account, known.Platform, body!["recipient"]!["id"]!.GetValue<string>(), mid);
        return Record(
            known.Platform,
            context,
            body,
            200,
            new JsonObject
            {
                ["recipient_id"] = body!["recipient"]!["id"]!.GetValue<string>(),
                ["message_id"] = mid,
            }.ToJsonString(),
            mid
        );
    }

    private async Task<IResult> CommentReplyAsync(string commentId, HttpContext context)
    {
        var body = await ReadAsync(context);
        if (!_accounts.Values.Any(a => a.Platform == "instagram" && TokenIs(context, a.Token)))
        {
            return Record(
                "instagram",
                context,
                body,
                401,
                GraphError(190, "Invalid OAuth access token - Cannot parse access token", "OAuthException")
            );
        }

        if (body?["message"]?.GetValue<string>() is not { Length: > 0 })
        {
            return Record("instagram", context, body, 400, GraphError(100, "(#100) The parameter message is required"));
        }

        var id = NextId("1790");
        return Record("instagram", context, body, 200, new JsonObject { ["id"] = id }.ToJsonString(), id);
    }

    private async Task<IResult> TweetAsync(HttpContext context)
    {
        var body = await ReadAsync(context);
        if (XAccount(context) is null)
        {
            return Record("x", context, body, 401, XError(401, "Unauthorized", "Unauthorized"));
        }

        if (Fault() is { } fault)
        {
            return Record("x", context, body, fault.Status, fault.Body, retryAfter: fault.RetryAfter);
        }

        var text = body?["text"]?.GetValue<string>();
        if (text is not { Length: > 0 } || text.Length > 280)
        {
            return Record(
                "x",
                context,
                body,
                400,
                XError(400, "Invalid Request", "One or more parameters to your request was invalid.")
            );
        }

        if (body!["reply"] is { } reply && reply["in_reply_to_tweet_id"]?.GetValue<string>() is not { Length: > 0 })
        {
            return Record(
                "x",
                context,
                body,
                400,
                XError(400, "Invalid Request", "$.reply.in_reply_to_tweet_id is required.")
            );
        }

        var id = NextId("18");
        return Record(
            "x",
            context,
            body,
            201,
            new JsonObject
            {
                ["data"] = new JsonObject
                {
                    ["id"] = id,
                    ["text"] = text,
                    ["edit_history_tweet_ids"] = new JsonArray(id),
                },
            }.ToJsonString(),
            id
        );
    }

    private async Task<IResult> DirectMessageAsync(string participant, HttpContext context)
    {
        var body = await ReadAsync(context);
        if (XAccount(context) is not { } userId)
        {
            return Record("x", context, body, 401, XError(401, "Unauthorized", "Unauthorized"));
        }

        if (Fault() is { } fault)
        {
            return Record("x", context, body, fault.Status, fault.Body, retryAfter: fault.RetryAfter);
        }

        if (body?["text"]?.GetValue<string>() is not { Length: > 0 } && body?["attachments"] is null)
        {
            return Record("x", context, body, 400, XError(400, "Invalid Request", "A DM needs text or attachments."));
        }

        var id = NextId("17");
        return Record(
            "x",
            context,
            body,
            201,
            new JsonObject
            {
                ["data"] = new JsonObject { ["dm_conversation_id"] = $"{userId}-{participant}", ["dm_event_id"] = id },
            }.ToJsonString(),
            id
        );
    }

    /// <summary>What the Cloud API checks of a message: the product, a recipient, and the object its type
    /// names.</summary>
    private static string? WhatsAppProblem(JsonNode? body)
    {
        if (body?["messaging_product"]?.GetValue<string>() != "whatsapp")
        {
            return "(#100) The parameter messaging_product is required.";
        }

        if (body["to"]?.GetValue<string>() is not { Length: > 0 })
        {
            return "(#100) The parameter to is required.";
        }

        var type = body["type"]?.GetValue<string>() ?? "text";
        var content = body[type];
        return type switch
        {
            "text" when content?["body"]?.GetValue<string>() is not { Length: > 0 } =>
                "(#100) The parameter text['body'] is required.",
            "template" when content?["name"] is null || content["language"]?["code"] is null =>
                "(#100) The parameter template['name'] and template['language']['code'] are required.",
            "image"
            or "video"
            or "audio"
            or "document"
            or "sticker" when content?["link"] is null && content?["id"] is null =>
                $"(#100) The parameter {type}['link'] or {type}['id'] is required.",
            "text"
            or "template"
            or "image"
            or "video"
            or "audio"
            or "document"
            or "sticker"
            or "location"
            or "contacts"
            or "interactive"
            or "reaction" => null,
            _ => $"(#100) Param type must be one of the allowed values, not '{type}'.",
        };
    }

    /// <summary>What the Send API checks: a recipient, a messaging type (a tag with MESSAGE_TAG), and text or an
    /// attachment.</summary>
    private static string? SendApiProblem(JsonNode? body)
    {
        if (body?["recipient"]?["id"]?.GetValue<string>() is not { Length: > 0 })
        {
            return "(#100) param recipient must be non-empty.";
        }

        var type = body["messaging_type"]?.GetValue<string>();
        if (type is not ("RESPONSE" or "UPDATE" or "MESSAGE_TAG"))
        {
            return "(#100) Param messaging_type must be one of {RESPONSE, UPDATE, MESSAGE_TAG}";
        }

        if (type == "MESSAGE_TAG" && body["tag"]?.GetValue<string>() is not { Length: > 0 })
        {
            return "(#100) Param tag is required when messaging_type is MESSAGE_TAG";
        }

        var message = body["message"];
        return message?["text"]?.GetValue<string>() is { Length: > 0 } || message?["attachment"] is not null
            ? null
            : "(#100) Must send either message or state";
    }

    private void Report(string account, string platform, string recipient, string messageId)
    {
        if (!_reporting.TryGetValue(account, out var target))
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            var steps =
                platform == "whatsapp"
                    ? new[] { "sent", "delivered", "read" }.Select(status =>
                        (
                            status,
                            (Func<DateTimeOffset, string>)(
                                at => PlatformPayloads.WhatsAppStatus(account, messageId, recipient, status, at)
                            )
                        )
                    )
                    : new[] { "delivered", "read" }.Select(status =>
                        (
                            status,
                            (Func<DateTimeOffset, string>)(
                                at =>
                                    PlatformPayloads.Receipt(
                                        platform,
                                        account,
                                        recipient,
                                        messageId,
                                        status == "read",
                                        at
                                    )
                            )
                        )
                    );
            foreach (var (status, payload) in steps)
            {
                try
                {
                    using var answer = await PlatformWebhooks.PushMetaAsync(
                        target.Hub,
                        platform,
                        target.ChannelId,
                        target.AppSecret,
                        payload(DateTimeOffset.UtcNow)
                    );
                    _reported.Enqueue((status, (int)answer.StatusCode));
                }
                catch (HttpRequestException)
                {
                    _reported.Enqueue((status, 0));
                }
            }
        });
    }

    private string? XAccount(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        return
            header.StartsWith("Bearer ", StringComparison.Ordinal)
            && _accounts.TryGetValue($"x:{header["Bearer ".Length..]}", out var account)
            ? account.Token
            : null;
    }

    private static bool TokenIs(HttpContext context, string token) =>
        context.Request.Headers.Authorization.ToString() == $"Bearer {token}";

    private static bool TakeOne(ref int counter)
    {
        int current;
        do
        {
            current = Volatile.Read(ref counter);
            if (current <= 0)
            {
                return false;
            }
        } while (Interlocked.CompareExchange(ref counter, current - 1, current) != current);
        return true;
    }

    private (int Status, string? RetryAfter, string Body)? Fault() =>
        _failures.TryDequeue(out var fault) ? fault : null;

    private string NextId(string prefix) =>
        _nextIds.TryDequeue(out var id)
            ? id
            : $"{prefix}{Interlocked.Increment(ref _sequence).ToString("D12", CultureInfo.InvariantCulture)}"
                + $"{Random.Shared.Next(100_000, 999_999)}";

    private IResult Record(
        string platform,
        HttpContext context,
        JsonNode? body,
        int status,
        string answer,
        string? messageId = null,
        string? retryAfter = null
    )
    {
        _requests.Enqueue(
            new PlatformRequest(
                platform,
                context.Request.Path,
                context.Request.Headers.Authorization.ToString(),
                body,
                status,
                messageId,
                context.Request.Headers["traceparent"].FirstOrDefault()
            )
        );
        if (retryAfter is not null)
        {
            context.Response.Headers.RetryAfter = retryAfter;
        }

        return Results.Content(answer, "application/json", System.Text.Encoding.UTF8, status);
    }

    private static async Task<JsonNode?> ReadAsync(HttpContext context)
    {
        try
        {
            return await JsonNode.ParseAsync(context.Request.Body);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    public static string GraphError(int code, string message, string type = "OAuthException") =>
        new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["message"] = message,
                ["type"] = type,
                ["code"] = code,
                ["fbtrace_id"] = "AbCdEfGhIjKlMnOp",
            },
        }.ToJsonString();

    private static string XError(int status, string title, string detail) =>
        new JsonObject
        {
            ["title"] = title,
            ["detail"] = detail,
            ["type"] = "about:blank",
            ["status"] = status,
        }.ToJsonString();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
