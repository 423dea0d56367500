using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace SocialCare.Chaos;

/// <summary>
/// A department's webhook endpoint on Kestrel, on a fixed port so that it can go away and come back at the same URL:
/// it notes when each engagement first reached it and how many deliveries it took again after answering 2xx. A flaky
/// one answers 500 to a share of first attempts.
/// </summary>
internal sealed class Subscriber(string name, int port, double flakiness) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<Guid, long> _received = new();
    private int _duplicates;
    private WebApplication? _app;

    public string Name => name;

    public string Url => $"http://127.0.0.1:{port}/hooks/{name}";

    /// <summary>When each engagement first reached it (Stopwatch timestamps).</summary>
    public IReadOnlyDictionary<Guid, long> Received => _received;

    public int Duplicates => Volatile.Read(ref _duplicates);

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel().UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.MapPost(
            $"/hooks/{name}",
            async (HttpContext context) =>
            {
                var body = await JsonNode.ParseAsync(context.Request.Body);
                if (body?["data"]?["engagementId"]?.GetValue<Guid>() is not { } engagement)
                {
                    return Results.Ok();
                }

                if (!_received.ContainsKey(engagement) && Random.Shared.NextDouble() < flakiness)
                {
                    return Results.StatusCode(StatusCodes.Status500InternalServerError);
                }

                if (!_received.TryAdd(engagement, System.Diagnostics.Stopwatch.GetTimestamp()))
                {
                    Interlocked.Increment(ref _duplicates);
                }

                return Results.Ok();
            }
        );
        await app.StartAsync();
        _app = app;
    }

    /// <summary>Goes away: the port refuses connections until <see cref="StartAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
