using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SocialCare.Benchmarks;

/// <summary>
/// Webhook subscribers on Kestrel in this process: each notes when every engagement.received reached it. One of them
/// can hang (answer after the hub's attempt timeout) to show that the others keep their latency.
/// </summary>
internal sealed class WebhookPhase : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<Guid, long>[] _received;
    private readonly CancellationTokenSource _stopping = new();
    private TaskCompletionSource _allReceived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _expected = int.MaxValue;

    private WebhookPhase(WebApplication app, int subscribers) =>
        (_app, _received) = (
            app,
            Enumerable.Range(0, subscribers).Select(_ => new ConcurrentDictionary<Guid, long>()).ToArray()
        );

    public int Hanging { get; set; } = -1;

    private string Url(int subscriber) =>
        _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()
        + $"/s{subscriber}";

    public static async Task<WebhookPhase> StartAsync(int subscribers)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var phase = new WebhookPhase(builder.Build(), subscribers);
        phase._app.MapPost(
            "/s{n:int}",
            async (int n, HttpRequest request) =>
            {
                var arrived = Stopwatch.GetTimestamp();
                if (n == phase.Hanging)
                {
                    // Never answers: holds the request until the hub gives up on it (its attempt timeout) or the phase
                    // ends.
                    using var either = CancellationTokenSource.CreateLinkedTokenSource(
                        request.HttpContext.RequestAborted,
                        phase._stopping.Token
                    );
                    var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    await using (either.Token.Register(() => released.TrySetResult()))
                    {
                        await released.Task;
                    }

                    return Results.StatusCode(503);
                }

                using var cloudEvent = await JsonDocument.ParseAsync(request.Body);
                phase
                    ._received[n]
                    .TryAdd(cloudEvent.RootElement.GetProperty("data").GetProperty("engagementId").GetGuid(), arrived);
                if (
                    phase
                        ._received.Where((_, i) => i != phase.Hanging)
                        .All(r => r.Count >= Volatile.Read(ref phase._expected))
                )
                {
                    phase._allReceived.TrySetResult();
                }

                return Results.Ok();
            }
        );
        await phase._app.StartAsync();
        return phase;
    }

    /// <summary>Subscribes every receiver to engagement.received; returns the subscription ids.</summary>
    public async Task<List<Guid>> SubscribeAsync(HttpClient http)
    {
        var ids = new List<Guid>();
        for (var n = 0; n < _received.Length; n++)
        {
            var response = await http.PostAsJsonAsync(
                "/v1/subscriptions",
                new { url = Url(n), eventTypes = new[] { "engagement.received" } }
            );
            ids.Add(
                JsonNode.Parse(await response.EnsureSuccessStatusCode().Content.ReadAsStringAsync())![
                    "id"
                ]!.GetValue<Guid>()
            );
        }

        return ids;
    }

    /// <summary>
    /// Paces engagements at <paramref name="rate"/>/s and returns, over the receivers that do not hang, the delay from
    /// the 202 reaching the client to the webhook reaching the receiver, and the deliveries per second they saw.
    /// </summary>
    public async Task<(List<double> Latencies, double DeliveriesPerSecond, int Missing)> RunAsync(
        HttpClient http,
        Guid channelId,
        int seconds,
        int rate
    )
    {
        foreach (var received in _received)
        {
            received.Clear();
        }

        _allReceived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _expected, int.MaxValue);

        var accepted = new ConcurrentDictionary<Guid, long>();
        var inFlight = new List<Task>();
        var clock = Stopwatch.StartNew();
        var issued = 0;
        using (var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(1)))
        {
            while (issued < seconds * rate && await tick.WaitForNextTickAsync())
            {
                for (
                    var due = Math.Min(seconds * rate, (int)(clock.Elapsed.TotalSeconds * rate) + 1);
                    issued < due;
                    issued++
                )
                {
                    var n = issued;
                    inFlight.Add(
                        Task.Run(async () =>
                        {
                            using var response = await http.PostAsJsonAsync(
                                "/v1/engagements",
                                new
                                {
                                    channelId,
                                    platformMessageId = $"hook-{Guid.NewGuid():N}",
                                    author = new { platformUserId = $"hook-customer-{n % 500}" },
                                    text = "Where is my refund? 😡",
                                    visibility = "private",
                                    occurredAt = DateTimeOffset.UtcNow,
                                }
                            );
                            var at = Stopwatch.GetTimestamp();
                            if (response.IsSuccessStatusCode)
                            {
                                accepted[
                                    JsonNode.Parse(await response.Content.ReadAsStringAsync())![
                                        "engagementId"
                                    ]!.GetValue<Guid>()
                                ] = at;
                            }
                        })
                    );
                }
            }
        }

        await Task.WhenAll(inFlight);
        var healthy = _received.Where((_, n) => n != Hanging).ToList();
        // Wait for the receivers to say they have every accepted engagement (checked once here, in case they already
        // do).
        Volatile.Write(ref _expected, accepted.Count);
        if (healthy.All(r => r.Count >= accepted.Count))
        {
            _allReceived.TrySetResult();
        }

        try
        {
            await _allReceived.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            // Reported below as missing deliveries.
        }

        var latencies = healthy
            .SelectMany(r =>
                r.Where(p => accepted.ContainsKey(p.Key))
                    .Select(p => Stopwatch.GetElapsedTime(accepted[p.Key], p.Value).TotalMilliseconds)
            )
            .ToList();
        var first = accepted.Values.Min();
        var last = healthy.SelectMany(r => r.Values).DefaultIfEmpty(first).Max();
        var missing = healthy.Sum(r => accepted.Keys.Count(k => !r.ContainsKey(k)));
        return (latencies, latencies.Count / Stopwatch.GetElapsedTime(first, last).TotalSeconds, missing);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }
}
