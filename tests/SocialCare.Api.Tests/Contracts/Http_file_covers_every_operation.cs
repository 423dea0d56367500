using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Contracts;

/// <summary>
/// docs/socialcare.http is the runnable tour of the API (httpyac, against <c>./infra/dev.sh run</c>): it has a request
/// for every operation of the checked-in OpenAPI document, and no request to an operation the document lacks. Its
/// request lines (<c>METHOD URL</c>) are matched onto the document's path templates: a <c>{{…}}</c> variable, or any
/// literal, fills a <c>{parameter}</c> segment; the query string is ignored; httpyac's <c>SSE</c> request is the GET
/// an EventSource sends. Running the file needs a hub; this check does not.
/// </summary>
public sealed partial class Http_file_covers_every_operation
{
    private static readonly string HttpFile = Path.Combine(RepositoryRoot.Path, "docs", "socialcare.http");

    [Test]
    public async Task Every_operation_of_the_checked_in_document_has_a_request()
    {
        var operations = Operations(await ReadDocumentAsync());
        var requests = Requests(await File.ReadAllTextAsync(HttpFile));

        Assert.That(
            Uncovered(operations, requests),
            Is.Empty,
            "operations of contracts/openapi/v1.json with no request in docs/socialcare.http"
        );
    }

    [Test]
    public async Task Every_request_to_the_API_names_an_operation_of_the_document()
    {
        var operations = Operations(await ReadDocumentAsync());
        var requests = Requests(await File.ReadAllTextAsync(HttpFile));

        Assert.That(
            requests
                .Where(r => r.Path.StartsWith("/v1/", StringComparison.Ordinal) && Match(operations, r) is null)
                .Select(r => $"line {r.Line}: {r.Method} {r.Path}"),
            Is.Empty,
            "requests in docs/socialcare.http that match no operation of contracts/openapi/v1.json"
        );
    }

    [Test]
    public void A_missing_operation_is_reported_and_variables_fill_parameters()
    {
        var document = JsonNode.Parse(
            """
            {"paths": {
              "/v1/channels/{id}": {"get": {"operationId": "GetChannel"}, "delete": {"operationId": "DeleteChannel"}},
              "/v1/hooks/{type}/{channelAccountId}": {"get": {"operationId": "VerifyPlatformWebhook"}},
              "/v1/events": {"get": {"operationId": "ListEvents"}},
              "/v1/events/stream": {"get": {"operationId": "StreamEvents"}}
            }}
            """
        )!;
        var file = """
            @baseUrl = http://127.0.0.1:8080
            ### a channel
            GET {{baseUrl}}/v1/channels/{{sms.id}}
            ### a handshake
            GET http://127.0.0.1:8080/v1/hooks/whatsapp/{{wa.id}}?hub.challenge=1
            ### the stream, not the changefeed
            SSE {{baseUrl}}/v1/events/stream?after=0
            # GET {{baseUrl}}/v1/events is a comment, not a request
            """;

        Assert.That(
            Uncovered(Operations(document), Requests(file)),
            Is.EqualTo(new[] { "DeleteChannel (DELETE /v1/channels/{id})", "ListEvents (GET /v1/events)" })
        );
    }

    private sealed record Operation(string Id, string Method, string[] Template);

    private sealed record Request(int Line, string Method, string Path);

    private static async Task<JsonNode> ReadDocumentAsync() =>
        JsonNode.Parse(await File.ReadAllTextAsync(CheckedInContracts.Path("openapi", "v1.json")))!;

    private static List<Operation> Operations(JsonNode document) =>
        document["paths"]!
            .AsObject()
            .SelectMany(path =>
                path.Value!.AsObject()
                    .Where(operation => operation.Value?["operationId"] is not null)
                    .Select(operation => new Operation(
                        operation.Value!["operationId"]!.GetValue<string>(),
                        operation.Key.ToUpperInvariant(),
                        path.Key.Trim('/').Split('/')
                    ))
            )
            .ToList();

    /// <summary>The request lines of an .http file, with each <c>{{…}}</c> replaced by <c>{{}}</c>, the scheme and host
    /// (or a leading variable such as <c>{{baseUrl}}</c>) and the query string removed.</summary>
    private static List<Request> Requests(string file) =>
        file.Split('\n')
            .Select((text, index) => (Match: RequestLine().Match(text.TrimEnd('\r')), Line: index + 1))
            .Where(line => line.Match.Success)
            .Select(line =>
            {
                var url = Variable().Replace(line.Match.Groups["url"].Value, "{{}}");
                url = Origin().Replace(url, "");
                url = url.Split('?', '#')[0];
                var method = line.Match.Groups["method"].Value;
                return new Request(line.Line, method == "SSE" ? "GET" : method, url);
            })
            .ToList();

    private static List<string> Uncovered(List<Operation> operations, List<Request> requests)
    {
        var covered = requests.Select(r => Match(operations, r)).OfType<Operation>().ToHashSet();
        return operations
            .Where(o => !covered.Contains(o))
            .Select(o => $"{o.Id} ({o.Method} /{string.Join('/', o.Template)})")
            .ToList();
    }

    /// <summary>The operation a request calls: of those whose template it fits, the one with the most literal segments
    /// (as routing prefers <c>/v1/events/stream</c> to <c>/v1/events/{id}</c>).</summary>
    private static Operation? Match(List<Operation> operations, Request request)
    {
        var segments = request.Path.Trim('/').Split('/');
        return operations
            .Where(o => o.Method == request.Method && Fits(o.Template, segments))
            .OrderByDescending(o => o.Template.Count(s => !IsParameter(s)))
            .FirstOrDefault();
    }

    private static bool Fits(string[] template, string[] segments) =>
        template.Length == segments.Length
        && template
            .Zip(segments)
            .All(pair =>
                IsParameter(pair.First)
                    ? pair.Second.Length > 0
                    : string.Equals(pair.First, pair.Second, StringComparison.OrdinalIgnoreCase)
            );

    private static bool IsParameter(string segment) =>
        segment.StartsWith('{') && segment.EndsWith('}') && !segment.StartsWith("{{", StringComparison.Ordinal);

    [GeneratedRegex(@"^(?<method>GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|SSE) +(?<url>\S+)( +HTTP/[0-9.]+)?\s*$")]
    private static partial Regex RequestLine();

    [GeneratedRegex(@"\{\{.*?\}\}")]
    private static partial Regex Variable();

    [GeneratedRegex(@"^(https?://[^/]+|\{\{\}\})")]
    private static partial Regex Origin();
}
