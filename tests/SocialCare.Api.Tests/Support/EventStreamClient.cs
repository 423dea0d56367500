using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace SocialCare.Api.Tests.Support;

/// <summary>A Server-Sent Events client of <c>GET /v1/events/stream</c>, reading the stream as a browser's EventSource
/// would.</summary>
public sealed class EventStreamClient : IDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private EventStreamClient(HttpResponseMessage response, StreamReader reader) =>
        (_response, _reader) = (response, reader);

    public HttpResponseMessage Response => _response;

    /// <summary>Opens a stream; when the hub refuses it, the response is returned unread (and <c>Stream</c> is
    /// null).</summary>
    public static async Task<(EventStreamClient? Stream, HttpResponseMessage Response)> OpenAsync(
        HttpClient client,
        long? lastEventId = null
    )
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/events/stream");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is { } id)
        {
            request.Headers.Add("Last-Event-ID", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode)
        {
            return (null, response);
        }

        var stream = new EventStreamClient(response, new StreamReader(await response.Content.ReadAsStreamAsync()));
        await stream._reader.ReadLineAsync(); // "retry: …": the stream is open on the hub's side
        return (stream, response);
    }

    /// <summary>The next <paramref name="count"/> events (sequence, type, the item).</summary>
    public async Task<List<(long Sequence, string Type, JsonNode Item)>> ReadEventsAsync(
        int count,
        CancellationToken ct
    )
    {
        var events = new List<(long, string, JsonNode)>();
        string? id = null,
            type = null,
            data = null;
        while (events.Count < count)
        {
            var line = await _reader.ReadLineAsync(ct) ?? throw new EndOfStreamException("the stream ended");
            if (line.Length == 0)
            {
                if (id is not null && type is not null && data is not null)
                {
                    events.Add(
                        (long.Parse(id, System.Globalization.CultureInfo.InvariantCulture), type, JsonNode.Parse(data)!)
                    );
                }

                (id, type, data) = (null, null, null);
            }
            else if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = line[4..];
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                type = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data = line[6..];
            }
        }

        return events;
    }

    /// <summary>Reads until the hub ends the stream; returns how many lines came meanwhile.</summary>
    public async Task<int> ReadToEndAsync(CancellationToken ct)
    {
        var lines = 0;
        while (await _reader.ReadLineAsync(ct) is not null)
        {
            lines++;
        }

        return lines;
    }

    public void Dispose()
    {
        _reader.Dispose();
        _response.Dispose();
    }
}
