using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using SocialCare.Api.Channels.Hooks;
using SocialCare.Api.Infrastructure.Database;
using SocialCare.Api.Infrastructure.Problems;
using SocialCare.Contracts;

namespace SocialCare.Api.Channels.Meta;

/// <summary>What WhatsApp, Messenger and Instagram share: Meta's Graph API, its webhook handshake and signature, its
/// errors.</summary>
public static class MetaGraph
{
    /// <summary>The Graph API, with the version the connectors are written against.</summary>
    public const string DefaultBaseUrl = "https://graph.facebook.com/v25.0";
    public const string BaseUrlSetting = "graphApiBaseUrl";
    public const string AccessTokenSetting = "accessToken";
    public const string AppSecretSetting = "appSecret";
    public const string VerifyTokenSetting = "verifyToken";
    public const string SignatureHeader = "X-Hub-Signature-256";

    /// <summary>Meta's credentials: the token replies are sent with, the app secret webhooks are signed with, the
    /// handshake's token.</summary>
    public static IReadOnlyList<string> SecretSettings { get; } =
    [AccessTokenSetting, AppSecretSetting, VerifyTokenSetting];

    /// <summary>
    /// Meta's verification request: <c>hub.mode=subscribe</c> and <c>hub.verify_token</c> equal to the account's verify
    /// token → 200 with <c>hub.challenge</c> as plain text; anything else → 403.
    /// </summary>
    public static IResult Handshake(HttpRequest request, Channel channel)
    {
        var query = request.Query;
        return
            query["hub.mode"] == "subscribe"
            && HookSignatures.Matches(channel.Required(VerifyTokenSetting), query["hub.verify_token"])
            && query["hub.challenge"] is { Count: 1 } challenge
            ? Results.Text(challenge.ToString(), "text/plain")
            : Problem.Of(
                StatusCodes.Status403Forbidden,
                ProblemCodes.Forbidden,
                "Verification failed",
                "hub.mode must be 'subscribe' and hub.verify_token must match the channel account's verifyToken."
            );
    }

    /// <summary><c>X-Hub-Signature-256: sha256=&lt;hex HMAC-SHA256(app secret, raw body)&gt;</c>.</summary>
    public static bool SignatureIsValid(IHeaderDictionary headers, ReadOnlySpan<byte> body, Channel channel) =>
        HookSignatures.Matches(HookSignatures.Meta(channel.Required(AppSecretSetting), body), headers[SignatureHeader]);

    public static HttpRequestMessage Post(Channel channel, string path, JsonObject body) =>
        new(HttpMethod.Post, $"{channel.BaseUrl(BaseUrlSetting, DefaultBaseUrl)}/{path}")
        {
            Headers = { Authorization = new AuthenticationHeaderValue("Bearer", channel.Required(AccessTokenSetting)) },
            Content = JsonContent.Create(body),
        };

    /// <summary>Graph errors: <c>{"error": {"message", "type", "code", "error_subcode", "error_data": {"details"},
    /// "fbtrace_id"}}</c>.</summary>
    public static PlatformError ReadError(int status, string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            if (
                json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("error", out var error)
                && error.ValueKind == JsonValueKind.Object
            )
            {
                var code = error.Text("code") ?? status.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var message = error.Text("message") ?? "The platform refused the message.";
                var details =
                    error.TryGetProperty("error_data", out var data) && data.ValueKind == JsonValueKind.Object
                        ? data.Text("details")
                        : null;
                return new PlatformError(code, details is null ? message : $"{message} ({details})");
            }
        }
        catch (JsonException)
        {
            // Not Graph's error shape: the status says enough.
        }

        return new PlatformError(
            status.ToString(System.Globalization.CultureInfo.InvariantCulture),
            $"The platform answered HTTP {status}."
        );
    }
}

/// <summary>Reading the platforms' JSON without throwing on a missing or differently typed member.</summary>
public static class JsonReading
{
    /// <summary>
    /// A platform's webhook payload, parsed. A platform retries a refused webhook for days, so what PostgreSQL cannot
    /// store (U+0000, unpaired surrogates, bytes that are not UTF-8, numbers beyond numeric) is cleaned out here, once,
    /// rather than refused: every string a connector takes from it and every piece of raw JSON it keeps is storable
    /// (see StorableValues).
    /// </summary>
    public static JsonDocument Parse(ReadOnlyMemory<byte> payload) => StorableJson.Parse(payload);

    /// <summary>A member as text: strings as they are (storable, see <see cref="Clean"/>), numbers as written, anything
    /// else null.</summary>
    public static string? Text(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => StorableJson.GetString(value),
                JsonValueKind.Number => value.GetRawText(),
                _ => null,
            }
            : null;

    public static JsonElement? Member(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object
        && element.TryGetProperty(name, out var value)
        && value.ValueKind != JsonValueKind.Null
            ? value
            : null;

    public static IEnumerable<JsonElement> Items(this JsonElement element, string name) =>
        element.Member(name) is { ValueKind: JsonValueKind.Array } array ? array.EnumerateArray() : [];

    /// <summary>Unix time in seconds, or in milliseconds when it is that large (Messenger, X DMs); null past year
    /// 9999.</summary>
    public static DateTimeOffset? UnixTime(this JsonElement element, string name) =>
        long.TryParse(
            element.Text(name),
            System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture,
            out var value
        )
            ? value <= 100_000_000_000
                ? DateTimeOffset.FromUnixTimeSeconds(value)
                : value <= DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()
                    ? DateTimeOffset.FromUnixTimeMilliseconds(value)
                    : null
            : null;

    /// <summary>Text as the hub stores it: PostgreSQL cannot hold NUL, so it is dropped, nor unpaired surrogates, which
    /// become U+FFFD.</summary>
    public static string? Clean(string? text) => StorableValues.Clean(text);
}
