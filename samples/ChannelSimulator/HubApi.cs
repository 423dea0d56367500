using System.Text;
using Microsoft.Kiota.Abstractions.Serialization;
using Microsoft.Kiota.Http.HttpClientLibrary;
using SocialCare.Client;
using SocialCare.Client.Models;
using SocialCare.Client.V1;

namespace ChannelSimulator;

/// <summary>The hub's API with one key, through the generated client (contracts/SocialCare.Client), and the hub's
/// webhook endpoints as the platforms call them.</summary>
public sealed class HubApi : IDisposable
{
    private readonly Func<HttpMessageHandler>? _handler;
    private readonly HttpClient _http;
    private readonly HttpClientRequestAdapter _platform;

    public HubApi(Uri hubUrl, string key, Func<HttpMessageHandler>? handler = null)
    {
        _handler = handler;
        _http = new HttpClient(NewHandler());
        Client = SocialCareClientFactory.Create(hubUrl, key, _http);
        // The platforms sign their webhooks and send no key.
        _platform = SocialCareClientFactory.CreateRequestAdapter(hubUrl, apiKey: null, _http);
        Key = key;
    }

    public SocialCareClient Client { get; }

    public V1RequestBuilder V1 => Client.V1;

    public string Key { get; }

    /// <summary>A channel account for <paramref name="brand"/>; its id.</summary>
    public async Task<Guid> CreateChannelAsync(
        string type,
        string name,
        string brand,
        Dictionary<string, object> settings,
        CancellationToken ct
    )
    {
        var channel = await V1.Channels.PostAsync(
            new CreateChannelRequest
            {
                Type = type,
                Name = name,
                Brand = brand,
                Settings = new CreateChannelRequest_settings { AdditionalData = settings },
            },
            cancellationToken: ct
        );
        return channel!.Id!.Value;
    }

    /// <summary>A webhook the platform would send: its bytes exactly as signed, with the platform's signature
    /// header.</summary>
    public async Task<HookReceipt> PushAsync(
        string type,
        Guid channel,
        string body,
        string header,
        string signature,
        CancellationToken ct
    )
    {
        var request = V1.Hooks[type][channel].ToPostRequestInformation(r => r.Headers.Add(header, signature));
        request.SetStreamContent(new MemoryStream(Encoding.UTF8.GetBytes(body)), "application/json");
        var refusal = new Dictionary<string, ParsableFactory<IParsable>>
        {
            ["XXX"] = Problem.CreateFromDiscriminatorValue,
        };
        return (await _platform.SendAsync(request, HookReceipt.CreateFromDiscriminatorValue, refusal, ct))!;
    }

    /// <summary>Reads until <paramref name="done"/> holds (the hub's work after a 202 is asynchronous).</summary>
    public static async Task<T> WaitAsync<T>(Func<Task<T?>> read, Func<T, bool> done, string what, CancellationToken ct)
        where T : class, IParsable
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        while (true)
        {
            var value = await read() ?? throw new InvalidOperationException($"The hub answered nothing for {what}.");
            if (done(value))
            {
                return value;
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                var last = await KiotaJsonSerializer.SerializeAsStringAsync(
                    value,
                    serializeOnlyChangedValues: false,
                    ct
                );
                throw new TimeoutException($"Waited 30 s for {what}; last: {last}");
            }

            await Task.Delay(100, ct);
        }
    }

    public HttpMessageHandler NewHandler() => _handler?.Invoke() ?? new SocketsHttpHandler();

    public void Dispose()
    {
        _platform.Dispose();
        _http.Dispose();
    }
}
