using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace ChannelSimulator;

/// <summary>Calls to the hub's API with one key, failing loudly with the hub's problem when a call is
/// refused.</summary>
public sealed class HubApi(Uri hubUrl, string key, Func<HttpMessageHandler>? handler = null) : IDisposable
{
    private readonly HttpClient _http = new(handler?.Invoke() ?? new SocketsHttpHandler())
    {
        BaseAddress = hubUrl,
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", key) },
    };

    public string Key => key;

    public async Task<JsonNode> PostAsync(string path, object body, CancellationToken ct)
    {
        using var response = await _http.PostAsJsonAsync(path, body, ct);
        return await ReadAsync(response, ct);
    }

    /// <summary>A POST whose refusal is part of the story: the status and the body (a problem) either way.</summary>
    public async Task<(int Status, JsonNode Body)> TryPostAsync(string path, object body, CancellationToken ct)
    {
        using var response = await _http.PostAsJsonAsync(path, body, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        return ((int)response.StatusCode, JsonNode.Parse(text.Length == 0 ? "{}" : text)!);
    }

    public async Task<JsonNode> GetAsync(string path, CancellationToken ct)
    {
        using var response = await _http.GetAsync(path, ct);
        return await ReadAsync(response, ct);
    }

    /// <summary>A webhook the platform would send: posted with the platform's signature header and no key.</summary>
    public async Task<JsonNode> PushAsync(
        string path,
        string body,
        string header,
        string signature,
        CancellationToken ct
    )
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = null;
        request.Headers.TryAddWithoutValidation(header, signature);
        using var response = await _http.SendAsync(request, ct);
        return await ReadAsync(response, ct);
    }

    /// <summary>Polls until <paramref name="done"/> holds (the hub's work after a 202 is asynchronous).</summary>
    public async Task<JsonNode> WaitAsync(string path, Func<JsonNode, bool> done, string what, CancellationToken ct)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        while (true)
        {
            var value = await GetAsync(path, ct);
            if (done(value))
            {
                return value;
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited 30 s for {what}; last: {value.ToJsonString()}");
            }

            await Task.Delay(100, ct);
        }
    }

    public HttpMessageHandler NewHandler() => handler?.Invoke() ?? new SocketsHttpHandler();

    private static async Task<JsonNode> ReadAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException(
                $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered "
                    + $"{(int)response.StatusCode}: {text}"
            );
        }

        return JsonNode.Parse(text.Length == 0 ? "{}" : text)!;
    }

    public void Dispose() => _http.Dispose();
}
