using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Webhooks.Recording;

/// <summary>
/// Whatever an endpoint answers, its attempt is recorded, and only its own: a hostile answer (a NUL byte PostgreSQL
/// cannot store, a body that breaks off) neither stays unrecorded nor takes other tenants' deliveries down with it.
/// </summary>
public sealed class Delivery_recording : HubFixture
{
    protected override bool OwnDatabase => true;

    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>
        {
            ["Webhooks:AllowPrivateTargets"] = "true",
            ["Webhooks:RetrySchedule:0"] = "00:00:00",
            ["Webhooks:RetrySchedule:1"] = "00:00:00.100",
        };

    private static async Task<Guid> SubscribeAsync(HttpClient client, string url) =>
        (
            await HubApi.ReadJson(
                await client.PostAsJsonAsync(
                    "/v1/subscriptions",
                    new { url, eventTypes = new[] { "engagement.received" } }
                ),
                HttpStatusCode.Created
            )
        )["id"]!.GetValue<Guid>();

    private static async Task<JsonArray> SettledAsync(HttpClient client, Guid subscription, int count) =>
        (
            await Eventually.Until(
                async () =>
                    await HubApi.ReadJson(
                        await client.GetAsync($"/v1/subscriptions/{subscription}/deliveries"),
                        HttpStatusCode.OK
                    ),
                log => log["items"]!.AsArray().Count(d => d!["status"]!.GetValue<string>() != "pending") >= count,
                TimeSpan.FromSeconds(20),
                $"{count} settled deliveries"
            )
        )["items"]!.AsArray();

    [Test]
    public async Task A_success_answered_with_a_nul_byte_is_recorded_and_so_are_the_others_of_its_batch()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answers = path =>
            path == "/hostile" ? context => context.Response.Body.WriteAsync("ok\0evil"u8.ToArray()).AsTask() : null;
        var (_, hostile) = await Hub.CreateTenantAsync("hostile endpoint");
        var (_, innocent) = await Hub.CreateTenantAsync("innocent endpoint");
        using (hostile)
        using (innocent)
        {
            var hostileSubscription = await SubscribeAsync(hostile, receiver.Url("/hostile"));
            var innocentSubscription = await SubscribeAsync(innocent, receiver.Url("/innocent"));
            var hostileChannel = await hostile.CreateChannelAsync("sms", "du");
            var innocentChannel = await innocent.CreateChannelAsync("sms", "du");
            await Task.WhenAll(
                Enumerable
                    .Range(0, 10)
                    .Select(i =>
                        i % 2 == 0
                            ? hostile.IngestAsync(HubApi.Engagement(hostileChannel, $"h-{i}", $"+97150000{i:D4}"))
                            : innocent.IngestAsync(HubApi.Engagement(innocentChannel, $"i-{i}", $"+97150000{i:D4}"))
                    )
            );

            var hostileLog = await SettledAsync(hostile, hostileSubscription, 5);
            var innocentLog = await SettledAsync(innocent, innocentSubscription, 5);
            Assert.Multiple(() =>
            {
                Assert.That(hostileLog.Select(d => d!["status"]!.GetValue<string>()), Is.All.EqualTo("delivered"));
                Assert.That(innocentLog.Select(d => d!["status"]!.GetValue<string>()), Is.All.EqualTo("delivered"));
                Assert.That(
                    hostileLog.Select(d => d!["attemptLog"]![0]!["responseBody"]!.GetValue<string>()),
                    Is.All.EqualTo("okevil")
                );
                Assert.That(
                    receiver.All.Count(r => r.Path == "/innocent"),
                    Is.EqualTo(5),
                    "no innocent delivery was sent twice"
                );
            });
        }
    }

    [Test]
    public async Task Failures_answered_with_a_nul_byte_are_recorded_until_the_delivery_is_exhausted()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = (_, _) => 500;
        receiver.Answers = _ => context => context.Response.Body.WriteAsync("\0down\0"u8.ToArray()).AsTask();
        var (_, client) = await Hub.CreateTenantAsync("hostile failures");
        using (client)
        {
            var subscription = await SubscribeAsync(client, receiver.Url("/failing"));
            var channel = await client.CreateChannelAsync("sms", "du");
            await client.IngestAsync(HubApi.Engagement(channel, "f-1", "+971500000001"));

            var delivery = (await SettledAsync(client, subscription, 1)).Single()!;
            var exhausted = await client.WaitForEventsAsync(1, "webhook.delivery_exhausted");
            Assert.Multiple(() =>
            {
                Assert.That(delivery["status"]!.GetValue<string>(), Is.EqualTo("failed"));
                Assert.That(
                    delivery["attemptLog"]!.AsArray().Select(a => a!["responseBody"]!.GetValue<string>()),
                    Is.EqualTo(new[] { "down", "down" })
                );
                Assert.That(
                    exhausted.Single()!["data"]!["deliveryId"]!.GetValue<Guid>(),
                    Is.EqualTo(delivery["id"]!.GetValue<Guid>())
                );
            });
        }
    }

    [Test]
    public async Task A_body_that_breaks_off_is_an_attempt_recorded_with_its_status_and_error()
    {
        await using var endpoint = BrokenBodyEndpoint.Start();
        var (_, client) = await Hub.CreateTenantAsync("broken body");
        using (client)
        {
            var subscription = await SubscribeAsync(client, endpoint.Url);
            var channel = await client.CreateChannelAsync("sms", "du");
            await client.IngestAsync(HubApi.Engagement(channel, "b-1", "+971500000002"));

            var attempt = (await SettledAsync(client, subscription, 1)).Single()!["attemptLog"]![0]!;
            Assert.Multiple(() =>
            {
                Assert.That(attempt["statusCode"]?.GetValue<int>(), Is.EqualTo(200), attempt.ToJsonString());
                Assert.That(attempt["error"]!.GetValue<string>(), Does.StartWith("The response broke off"));
            });
        }
    }

    [Test]
    public async Task A_redelivery_asked_for_while_an_attempt_is_in_flight_is_not_undone_when_that_attempt_is_recorded()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.CloseGate();
        var (_, client) = await Hub.CreateTenantAsync("redeliver in flight");
        using (client)
        {
            var subscription = await SubscribeAsync(client, receiver.Url("/in-flight"));
            var channel = await client.CreateChannelAsync("sms", "du");
            await client.IngestAsync(HubApi.Engagement(channel, "r-1", "+971500000003"));
            await Eventually.Until(
                () => Task.FromResult(receiver.Started),
                n => n == 1,
                TimeSpan.FromSeconds(15),
                "the attempt to be in flight"
            );
            var delivery = (
                await HubApi.ReadJson(
                    await client.GetAsync($"/v1/subscriptions/{subscription}/deliveries"),
                    HttpStatusCode.OK
                )
            )["items"]![0]!["id"]!.GetValue<Guid>();

            // The attempt has reached the endpoint and waits for its answer when the redelivery is asked for.
            await HubApi.ReadJson(
                await client.PostAsync($"/v1/subscriptions/{subscription}/deliveries/{delivery}/redeliver", null),
                HttpStatusCode.Accepted
            );
            receiver.OpenGate();

            var received = await receiver.WaitForAsync(r => r.Path == "/in-flight", 2);
            var settled = await SettledAsync(client, subscription, 1);
            Assert.Multiple(() =>
            {
                Assert.That(
                    received.Select(r => r.Headers["webhook-id"]).Distinct().Count(),
                    Is.EqualTo(1),
                    "the same webhook, sent again"
                );
                Assert.That(
                    settled.Single()!["attemptLog"]!.AsArray(),
                    Has.Count.EqualTo(2),
                    "both attempts are logged"
                );
            });
        }
    }

    [Test]
    public async Task A_burst_answered_410_disables_the_subscription_once_and_says_so_once()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = (_, _) => 410;
        receiver.CloseGate();
        var (_, client) = await Hub.CreateTenantAsync("gone burst");
        using (client)
        {
            var subscription = await SubscribeAsync(client, receiver.Url("/gone"));
            var channel = await client.CreateChannelAsync("sms", "du");
            await Task.WhenAll(
                Enumerable
                    .Range(0, 6)
                    .Select(i => client.IngestAsync(HubApi.Engagement(channel, $"g-{i}", $"+97150001{i:D4}")))
            );
            await Eventually.Until(
                () => Task.FromResult(receiver.Started),
                n => n == 6,
                TimeSpan.FromSeconds(15),
                "six attempts waiting for their answers"
            );
            receiver.OpenGate();

            await SettledAsync(client, subscription, 6);
            var disabled = await client.WaitForEventsAsync(1, "subscription.disabled");
            var state = await HubApi.ReadJson(
                await client.GetAsync($"/v1/subscriptions/{subscription}"),
                HttpStatusCode.OK
            );
            Assert.Multiple(() =>
            {
                Assert.That(state["enabled"]!.GetValue<bool>(), Is.False);
                Assert.That(
                    disabled,
                    Has.Count.EqualTo(1),
                    "one subscription.disabled, however many attempts were answered 410 at once"
                );
            });
        }
    }

    /// <summary>
    /// An endpoint that answers 200 with a <c>Content-Length</c> of 1,000 and sends 7 bytes of body before it closes
    /// its side. A raw socket rather than Kestrel: the close is a FIN that follows the bytes already sent, in order, so
    /// the hub always reads the headers and the start of the body first (a reset could overtake them and be read
    /// first).
    /// </summary>
    private sealed class BrokenBodyEndpoint : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stopping = new();
        private readonly Task _serving;

        private BrokenBodyEndpoint()
        {
            _listener.Start();
            _serving = ServeAsync();
        }

        public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/broken";

        public static BrokenBodyEndpoint Start() => new();

        private async Task ServeAsync()
        {
            while (true)
            {
                Socket socket;
                try
                {
                    socket = await _listener.AcceptSocketAsync();
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    return;
                }

                using (socket)
                {
                    try
                    {
                        await ReadRequestAsync(socket, _stopping.Token);
                        await socket.SendAsync(
                            (
                                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"u8
                                + "Content-Length: 1000\r\n\r\npartial"u8
                            ).ToArray()
                        );
                        socket.Shutdown(SocketShutdown.Send);
                        // Closed once the hub has closed too: closing with its bytes unread would reset the connection.
                        var rest = new byte[1024];
                        while (await socket.ReceiveAsync(rest, SocketFlags.None, _stopping.Token) > 0) { }
                    }
                    catch (Exception e) when (e is SocketException or OperationCanceledException)
                    {
                        // The hub went away first, or the test is over.
                    }
                }
            }
        }

        /// <summary>Reads the whole request (headers, then the body its <c>Content-Length</c> announces).</summary>
        private static async Task ReadRequestAsync(Socket socket, CancellationToken ct)
        {
            var received = new List<byte>();
            var buffer = new byte[8192];
            int headerEnd;
            while ((headerEnd = IndexOfBlankLine(received)) < 0)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, ct);
                if (read == 0)
                {
                    return;
                }

                received.AddRange(buffer.AsSpan(0, read).ToArray());
            }

            var headers = Encoding.ASCII.GetString(received.GetRange(0, headerEnd).ToArray());
            var length = headers
                .Split("\r\n")
                .Where(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                .Select(h =>
                    int.Parse(h["Content-Length:".Length..], System.Globalization.CultureInfo.InvariantCulture)
                )
                .SingleOrDefault();
            var body = received.Count - (headerEnd + 4);
            while (body < length)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, ct);
                if (read == 0)
                {
                    return;
                }

                body += read;
            }
        }

        private static int IndexOfBlankLine(List<byte> bytes)
        {
            for (var i = 0; i + 3 < bytes.Count; i++)
            {
                if (bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r' && bytes[i + 3] == '\n')
                {
                    return i;
                }
            }

            return -1;
        }

        public async ValueTask DisposeAsync()
        {
            await _stopping.CancelAsync();
            _listener.Stop();
            await _serving;
            _stopping.Dispose();
        }
    }
}
