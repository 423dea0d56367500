using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SocialCare.Api.EventLog;
using SocialCare.Api.Tests.Support;
using SocialCare.Contracts;

namespace SocialCare.Api.Tests.EventLog.Changefeed;

/// <summary>Server-Sent Events tails: bounded per key, woken only by their workspace, and never outliving their
/// key.</summary>
public sealed class Event_streams : HubFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?> { ["Events:Heartbeat"] = "00:00:01", ["Events:MaxStreamsPerKey"] = "2" };

    [Test]
    public async Task A_revoked_keys_stream_ends_within_a_heartbeat()
    {
        var workspaceId = await Hub.CreateWorkspaceAsync("revoked stream");
        var (keyId, key) = await Hub.CreateKeyAsync(workspaceId, "dashboard", ["events:read"]);
        using var client = Hub.ClientWithKey(key);
        var (stream, _) = await EventStreamClient.OpenAsync(client);
        using (stream)
        {
            using var admin = Hub.AdminClient();
            Assert.That(
                (await admin.DeleteAsync($"/v1/workspaces/{workspaceId}/api-keys/{keyId}")).StatusCode,
                Is.EqualTo(HttpStatusCode.NoContent)
            );
            var revoked = Stopwatch.StartNew();
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await stream!.ReadToEndAsync(patience.Token);
            Assert.That(
                revoked.Elapsed,
                Is.LessThan(TimeSpan.FromSeconds(5)),
                "the stream ended at the next heartbeat (1 s here, 15 s by default)"
            );
        }

        var (reconnected, refused) = await EventStreamClient.OpenAsync(client);
        Assert.That(reconnected, Is.Null);
        await HubApi.ReadProblem(refused, HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Test]
    public async Task Streams_past_the_limit_per_key_get_a_429_with_retry_after_until_one_closes()
    {
        var workspaceId = await Hub.CreateWorkspaceAsync("stream limit");
        var (_, key) = await Hub.CreateKeyAsync(workspaceId, "dashboard", ["events:read"]);
        var (_, otherKey) = await Hub.CreateKeyAsync(workspaceId, "other dashboard", ["events:read"]);
        using var client = Hub.ClientWithKey(key);
        using var other = Hub.ClientWithKey(otherKey);
        var (first, _) = await EventStreamClient.OpenAsync(client);
        var (second, _) = await EventStreamClient.OpenAsync(client);
        using (second)
        {
            var (refused, response) = await EventStreamClient.OpenAsync(client);
            Assert.That(refused, Is.Null);
            await HubApi.ReadProblem(response, HttpStatusCode.TooManyRequests, "too-many-streams");
            Assert.That(
                response.Headers.RetryAfter?.Delta,
                Is.EqualTo(TimeSpan.FromSeconds(1)),
                "a closed stream's slot is free by the next heartbeat"
            );
            var (anotherKeys, _) = await EventStreamClient.OpenAsync(other);
            Assert.That(anotherKeys, Is.Not.Null, "the limit is per key");
            anotherKeys!.Dispose();

            first!.Dispose();
            var (again, _) = await Eventually.Until(
                () => EventStreamClient.OpenAsync(client),
                opened => opened.Stream is not null,
                what: "a stream to open once another closed"
            );
            again!.Dispose();
        }
    }

    [Test]
    public async Task The_commit_notification_names_the_workspaces_whose_events_the_transaction_appended()
    {
        var first = await Hub.CreateWorkspaceAsync("notified one");
        var second = await Hub.CreateWorkspaceAsync("notified two");
        await using var listener = new NpgsqlConnection(TestRun.ConnectionString);
        await listener.OpenAsync();
        var payloads = new System.Collections.Concurrent.ConcurrentQueue<string>();
        listener.Notification += (_, e) => payloads.Enqueue(e.Payload);
        await using (var listen = new NpgsqlCommand($"listen {EventStore.CommittedChannel}", listener))
        {
            await listen.ExecuteNonQueryAsync();
        }

        HubEvent Opened(Guid workspace) =>
            new ConversationOpened
            {
                EventId = Guid.CreateVersion7(),
                WorkspaceId = workspace,
                ConversationId = Guid.CreateVersion7(),
                RecordedAt = DateTimeOffset.UtcNow,
            };
        var (a, b) = (Opened(first), Opened(second));
        await Hub
            .Services.GetRequiredService<EventStore>()
            .WriteAsync(
                writer =>
                {
                    writer.Append([
                        new StreamAppend(a.ConversationId!.Value, typeof(StreamTypes.Conversation), first, 0, [a]),
                        new StreamAppend(b.ConversationId!.Value, typeof(StreamTypes.Conversation), second, 0, [b]),
                    ]);
                    return Task.FromResult(0);
                },
                CancellationToken.None
            );

        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!payloads.Any(p => p.Contains(first.ToString(), StringComparison.Ordinal)))
        {
            await listener.WaitAsync(patience.Token);
        }

        var payload = payloads.Single(p => p.Contains(first.ToString(), StringComparison.Ordinal));
        Assert.That(payload.Split(',').Select(Guid.Parse), Is.EquivalentTo(new[] { first, second }));
    }

    [Test]
    public async Task A_commit_wakes_the_streams_of_its_workspace_and_no_other()
    {
        var signal = Hub.Services.GetRequiredService<SequencedSignal>();
        var (a, clientA) = await Hub.CreateTenantAsync("wakes a");
        var (b, clientB) = await Hub.CreateTenantAsync("wakes b");
        var (c, clientC) = await Hub.CreateTenantAsync("wakes c");
        using (clientA)
        using (clientB)
        using (clientC)
        {
            var channelA = await clientA.CreateChannelAsync("sms", "A");
            var channelC = await clientC.CreateChannelAsync("sms", "C");
            var wakeA = signal.Next(a);
            var wakeB = signal.Next(b);
            await clientA.IngestAsync(HubApi.Engagement(channelA, "a-1", "user"));
            await wakeA.WaitAsync(TimeSpan.FromSeconds(10));

            // Notifications arrive in commit order on one connection: once C's has woken C, A's has been handled long
            // ago.
            var wakeC = signal.Next(c);
            await clientC.IngestAsync(HubApi.Engagement(channelC, "c-1", "user"));
            await wakeC.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.That(wakeB.IsCompleted, Is.False, "B's streams slept through A's and C's commits");
        }
    }
}
