using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace SocialCare.Api.Tests.Abuse;

/// <summary>One bad request: how to build it, and the only answer allowed (any 4xx problem when neither is
/// given).</summary>
public sealed record BadRequest(
    string Name,
    Func<HttpRequestMessage> Build,
    HttpStatusCode? Status = null,
    params string[] Codes
);

/// <summary>The table of bad bodies and query strings, generated for one operation from its schema.</summary>
public static class BadRequests
{
    private const string MalformedJson = "malformed-json";
    private const string UnsupportedCharacter = "unsupported-character";
    private const string Placeholder = "@@abuse@@";
    private static readonly string[] Invalid = [MalformedJson, "validation-failed", "bad-request"];
    private static readonly byte[] FiveMegabytes = Encoding.UTF8.GetBytes(
        $$"""{"text":"{{new string('x', 5 * 1024 * 1024)}}"}"""
    );
    private static readonly string Deep = "{\"a\":" + new string('[', 10_000) + new string(']', 10_000) + "}";

    public static IEnumerable<BadRequest> Query(ServedOperation operation, string path)
    {
        foreach (var parameter in operation.QueryParameters)
        {
            var name = parameter.Name;
            yield return new(
                $"NUL in query {name}",
                Get($"{path}?{name}=a%00b"),
                HttpStatusCode.BadRequest,
                UnsupportedCharacter
            );
            yield return new(
                $"NUL in a query name",
                Get($"{path}?{name}%00=1"),
                HttpStatusCode.BadRequest,
                UnsupportedCharacter
            );
            switch (RequestBodies.TypeOf(parameter.Schema).Type, parameter.Schema["format"]?.GetValue<string>())
            {
                case ("integer", _):
                    yield return new($"text for integer {name}", Get($"{path}?{name}=abc"), HttpStatusCode.BadRequest);
                    yield return new(
                        $"overflowing {name}",
                        Get($"{path}?{name}=99999999999999999999999"),
                        HttpStatusCode.BadRequest
                    );
                    break;
                case ("string", "uuid"):
                    yield return new(
                        $"malformed uuid {name}",
                        Get($"{path}?{name}=not-a-uuid"),
                        HttpStatusCode.BadRequest
                    );
                    break;
            }
        }

        Func<HttpRequestMessage> Get(string url) => () => new HttpRequestMessage(new HttpMethod(operation.Method), url);
    }

    public static IEnumerable<BadRequest> Bodies(ServedOperation operation, string path, JsonNode example)
    {
        var method = new HttpMethod(operation.Method);
        var json = example.ToJsonString();
        Func<HttpRequestMessage> Raw(string body, string? contentType = "application/json") =>
            Bytes(Encoding.UTF8.GetBytes(body), contentType);
        Func<HttpRequestMessage> Bytes(byte[] body, string? contentType = "application/json") =>
            () =>
            {
                var content = new ByteArrayContent(body);
                if (contentType is not null)
                {
                    content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
                }

                return new HttpRequestMessage(method, path) { Content = content };
            };

        yield return new("truncated JSON", Raw(json[..(json.Length / 2)]), HttpStatusCode.BadRequest, MalformedJson);
        yield return new("not JSON", Raw("this is not json"), HttpStatusCode.BadRequest, MalformedJson);
        yield return new("trailing comma", Raw("{\"a\":1,}"), HttpStatusCode.BadRequest, MalformedJson);
        yield return new("single quotes", Raw("{'a':1}"), HttpStatusCode.BadRequest, MalformedJson);
        yield return new("array for the body", Raw("[]"), HttpStatusCode.BadRequest, MalformedJson);
        yield return new("number for the body", Raw("42"), HttpStatusCode.BadRequest, MalformedJson);
        yield return new("10,000 levels deep", Raw(Deep), HttpStatusCode.BadRequest, MalformedJson);
        yield return new("raw NUL byte", Raw("{\"text\":\"a\0b\"}"), HttpStatusCode.BadRequest, MalformedJson);
        yield return new(
            "huge array for the body",
            Raw("[" + string.Join(',', Enumerable.Repeat('1', 200_000)) + "]"),
            HttpStatusCode.BadRequest,
            MalformedJson
        );
        yield return new("5 MB", Bytes(FiveMegabytes), HttpStatusCode.RequestEntityTooLarge, "payload-too-large");
        yield return new(
            "5 MB chunked",
            () =>
            {
                var request = Bytes(FiveMegabytes)();
                request.Content = new StreamContent(new MemoryStream(FiveMegabytes))
                {
                    Headers = { ContentType = new("application/json") },
                };
                request.Headers.TransferEncodingChunked = true;
                return request;
            },
            HttpStatusCode.RequestEntityTooLarge,
            "payload-too-large"
        );
        yield return new(
            "NUL in a member name",
            Raw(json.Length > 2 ? json.Insert(1, "\"x\\u0000y\":1,") : "{\"x\\u0000y\":1}"),
            HttpStatusCode.BadRequest,
            UnsupportedCharacter
        );
        foreach (var contentType in new[] { "text/plain", "application/x-www-form-urlencoded", "application/xml" })
        {
            yield return new(
                $"Content-Type {contentType}",
                Raw(json, contentType),
                HttpStatusCode.UnsupportedMediaType,
                "unsupported-media-type"
            );
        }

        yield return new(
            "no Content-Type",
            Raw(json, null),
            HttpStatusCode.UnsupportedMediaType,
            "unsupported-media-type"
        );
        yield return new(
            "unknown charset",
            Raw(json, "application/json; charset=no-such-charset"),
            HttpStatusCode.UnsupportedMediaType,
            "unsupported-media-type"
        );
        yield return new(
            "NUL in a UTF-16 body",
            Bytes(
                Encoding.Unicode.GetBytes(
                    json.Length > 2 ? json.Insert(1, "\"x\":\"\\u0000\",") : "{\"x\":\"\\u0000\"}"
                ),
                "application/json; charset=utf-16"
            ),
            HttpStatusCode.BadRequest,
            UnsupportedCharacter
        );
        if (operation.BodyRequired)
        {
            yield return new("no body", () => new HttpRequestMessage(method, path), HttpStatusCode.BadRequest, Invalid);
        }

        foreach (var member in RequestBodies.Members(operation.Body!))
        {
            Func<HttpRequestMessage> Set(string token) =>
                Raw(
                    RequestBodies
                        .With(example, member, Placeholder)
                        .ToJsonString()
                        .Replace($"\"{Placeholder}\"", token, StringComparison.Ordinal)
                );
            foreach (var request in Member(member, Set))
            {
                yield return request;
            }

            if (member.Type == "string" && !member.FreeForm)
            {
                var text = Encoding.UTF8.GetBytes(RequestBodies.With(example, member, "ab").ToJsonString());
                var at = Encoding.UTF8.GetString(text).IndexOf("\"ab\"", StringComparison.Ordinal);
                text[at + 1] = 0xC3;
                text[at + 2] = 0x28;
                yield return new($"{member}: invalid UTF-8", Bytes(text), HttpStatusCode.BadRequest, MalformedJson);
            }

            if (!member.Optional)
            {
                yield return new(
                    $"{member}: null",
                    Raw(RequestBodies.With(example, member, null).ToJsonString()),
                    HttpStatusCode.BadRequest,
                    Invalid
                );
                yield return new(
                    $"{member}: left out",
                    Raw(RequestBodies.Without(example, member).ToJsonString()),
                    HttpStatusCode.BadRequest,
                    Invalid
                );
            }
        }
    }

    private static IEnumerable<BadRequest> Member(BodyMember member, Func<string, Func<HttpRequestMessage>> set)
    {
        BadRequest Case(string what, string token, params string[] codes) =>
            new($"{member}: {what}", set(token), HttpStatusCode.BadRequest, codes);

        if (member.FreeForm)
        {
            yield return Case("NUL in a free-form name", """{"k\u0000":1}""", UnsupportedCharacter);
            yield return Case("NUL in a free-form value", """{"k":["\u0000"]}""", UnsupportedCharacter);
            yield return Case("unpaired surrogate in a free-form value", """{"k":"\udc00"}""", UnsupportedCharacter);
            yield return Case("number beyond numeric", """{"k":1e100000}""", "unsupported-number");
            yield return Case(
                "free-form value 100 levels deep",
                "{\"k\":" + new string('[', 100) + new string(']', 100) + "}",
                MalformedJson
            );
            yield break;
        }

        switch (member.Type, member.Schema["format"]?.GetValue<string>())
        {
            case ("string", var format):
                yield return Case("NUL", "\"a\\u0000b\"", UnsupportedCharacter);
                yield return Case("unpaired surrogate", "\"a\\ud800\"", UnsupportedCharacter);
                yield return Case("number for a string", "12", Invalid);
                yield return Case("object for a string", "{}", Invalid);
                if (format is "uuid" or "date-time")
                {
                    yield return Case($"malformed {format}", "\"not-a-value\"", Invalid);
                }

                break;
            case ("integer", _):
                yield return Case("fraction for an integer", "1.5", Invalid);
                yield return Case("overflowing integer", "1e30", Invalid);
                yield return Case("boolean for an integer", "true", Invalid);
                break;
            case ("number", _):
                yield return Case("boolean for a number", "false", Invalid);
                break;
            case ("boolean", _):
                yield return Case("text for a boolean", "\"yes\"", Invalid);
                break;
            case ("array", _):
                yield return Case("object for an array", "{}", Invalid);
                yield return Case("null item", "[null]", Invalid);
                yield return Case("NUL in an item", "[\"a\\u0000\"]", UnsupportedCharacter);
                var item = RequestBodies.Example(member.Schema["items"]?.AsObject() ?? [], _ => null).ToJsonString();
                var count = Math.Min(100_000, 900_000 / (item.Length + 1));
                yield return Case(
                    $"{count} items",
                    "[" + string.Join(',', Enumerable.Repeat(item, count)) + "]",
                    Invalid
                );
                break;
            case ("object", _):
                yield return Case("array for an object", "[]", Invalid);
                yield return Case("text for an object", "\"x\"", Invalid);
                break;
        }
    }
}
