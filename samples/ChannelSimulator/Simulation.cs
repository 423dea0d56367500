using System.Diagnostics;
using System.Text;
using SocialCare.Client.Models;
using SocialCare.FakePlatform;

namespace ChannelSimulator;

/// <summary>
/// Load for a running hub: realistic, correctly signed platform webhooks at a chosen rate, from customers in three
/// situations — a public complaint on X followed by a WhatsApp message, an Arabic Instagram DM, a billing question on
/// WhatsApp — while the fake platforms take the hub's replies.
/// </summary>
public sealed class Simulation(HubApi hub, FakePlatform platform, Action<string> say)
{
    private const string Secret = "simulator-app-secret";

    public async Task RunAsync(int rate, TimeSpan duration, CancellationToken ct)
    {
        var run = Guid.NewGuid().ToString("N")[..6];
        var phone = $"1065{Random.Shared.Next(10_000_000, 99_999_999)}";
        var ig = $"1784{Random.Shared.Next(10_000_000, 99_999_999)}";
        var xUser = $"{Random.Shared.Next(100_000_000, 999_999_999)}";
        platform.AddWhatsAppNumber(phone, "EAAG-simulator");
        platform.AddInstagramAccount(ig, "EAAG-simulator");
        platform.AddXAccount(xUser, $"x-bearer-{run}");
        var whatsapp = await ChannelAsync(
            "whatsapp",
            new()
            {
                ["phoneNumberId"] = phone,
                ["accessToken"] = "EAAG-simulator",
                ["appSecret"] = Secret,
                ["verifyToken"] = "v",
                ["graphApiBaseUrl"] = platform.GraphBaseUrl,
            },
            ct
        );
        var instagram = await ChannelAsync(
            "instagram",
            new()
            {
                ["instagramAccountId"] = ig,
                ["accessToken"] = "EAAG-simulator",
                ["appSecret"] = Secret,
                ["verifyToken"] = "v",
                ["graphApiBaseUrl"] = platform.GraphBaseUrl,
            },
            ct
        );
        var x = await ChannelAsync(
            "x",
            new()
            {
                ["userId"] = xUser,
                ["consumerSecret"] = Secret,
                ["bearerToken"] = $"x-bearer-{run}",
                ["apiBaseUrl"] = platform.XBaseUrl,
            },
            ct
        );
        say(
            $"simulating {rate} webhooks/s for {duration.TotalSeconds:0} s into {whatsapp} (whatsapp), "
                + $"{instagram} (instagram), {x} (x); fake platform APIs at {platform.BaseUrl}"
        );

        var (issued, sent, failed) = (0, 0, 0);
        var clock = Stopwatch.StartNew();
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
        var inFlight = new List<Task>();
        while (clock.Elapsed < duration && await tick.WaitForNextTickAsync(ct))
        {
            for (var due = (int)(clock.Elapsed.TotalSeconds * rate); issued < due; issued++)
            {
                inFlight.Add(
                    PushAsync(issued, run, phone, ig, xUser, whatsapp, instagram, x, ct)
                        .ContinueWith(
                            t => Interlocked.Increment(ref t.IsCompletedSuccessfully ? ref sent : ref failed),
                            TaskScheduler.Default
                        )
                );
            }

            inFlight.RemoveAll(t => t.IsCompleted);
        }

        await Task.WhenAll(inFlight);
        say($"pushed {sent} webhooks ({failed} refused) in {clock.Elapsed.TotalSeconds:0.0} s");
    }

    private Task<HookReceipt> PushAsync(
        int n,
        string run,
        string phone,
        string ig,
        string xUser,
        Guid whatsapp,
        Guid instagram,
        Guid x,
        CancellationToken ct
    )
    {
        var now = DateTimeOffset.UtcNow;
        var customer = n % 500;
        switch (n % 4)
        {
            case 0:
                var tweet = PlatformPayloads.XMention(
                    xUser,
                    $"{run}{n}",
                    $"9{customer:D8}",
                    $"Customer {customer}",
                    $"customer_{customer}",
                    "@brand my parcel is a week late and nobody answers 😠",
                    now
                );
                return hub.PushAsync(
                    "x",
                    x,
                    tweet,
                    "x-twitter-webhooks-signature",
                    PlatformWebhooks.XSignature(Secret, Encoding.UTF8.GetBytes(tweet)),
                    ct
                );
            case 1:
                var followUp = PlatformPayloads.WhatsAppText(
                    phone,
                    $"97150{customer:D7}",
                    $"Customer {customer}",
                    $"wamid.{run}.{n}",
                    "Writing here as you asked on X — order 4417, still nothing.",
                    now
                );
                return Meta("whatsapp", whatsapp, followUp, ct);
            case 2:
                var dm = PlatformPayloads.InstagramText(
                    ig,
                    $"68{customer:D8}",
                    $"mid.{run}.{n}",
                    "مرحبا، طلبي لم يصل بعد 😢 متى يصل؟",
                    now
                );
                return Meta("instagram", instagram, dm, ct);
            default:
                var billing = PlatformPayloads.WhatsAppText(
                    phone,
                    $"97155{customer:D7}",
                    $"Customer {customer}",
                    $"wamid.{run}.{n}",
                    $"I was charged twice for invoice INV-{20000 + customer} — can you refund one?",
                    now
                );
                return Meta("whatsapp", whatsapp, billing, ct);
        }
    }

    private Task<HookReceipt> Meta(string type, Guid channel, string body, CancellationToken ct) =>
        hub.PushAsync(
            type,
            channel,
            body,
            "X-Hub-Signature-256",
            PlatformWebhooks.MetaSignature(Secret, Encoding.UTF8.GetBytes(body)),
            ct
        );

    private Task<Guid> ChannelAsync(string type, Dictionary<string, object> settings, CancellationToken ct) =>
        hub.CreateChannelAsync(type, $"simulated {type}", "Simulated", settings, ct);
}
