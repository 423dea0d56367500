using Marten;
using Microsoft.Extensions.DependencyInjection;
using SocialCare.Api.EventLog;
using SocialCare.Api.Tests.Support;
using SocialCare.Contracts;

namespace SocialCare.Api.Tests.EventLog;

/// <summary>
/// The hub appends a transaction's events in one statement of its own (<see cref="EventAppends"/>) rather than through
/// Marten's per-stream append function; the rows must still be Marten's: read back through Marten's own API, with the
/// versions, numbers, type names, tenant and bodies the changefeed shows.
/// </summary>
public sealed class Marten_reads_the_log : HubFixture
{
    [Test]
    public async Task Events_the_hub_appends_read_back_through_Marten_as_its_own()
    {
        var (workspaceId, client) = await Hub.CreateTenantAsync("marten-reads");
        var channelId = await client.CreateChannelAsync("sms", "Namshi");
        // One customer's messages at once: group commit puts several into one transaction, so the statement appends to
        // one stream more than once.
        var texts = Enumerable.Range(1, 12).Select(i => $"طلبي رقم {i} لم يصل بعد 📦").ToArray();
        var accepted = await Task.WhenAll(
            texts.Select(
                (text, i) => client.IngestAsync(HubApi.Engagement(channelId, $"marten-{i}", "+971500000042", text))
            )
        );
        var conversationId = accepted[0]["conversationId"]!.GetValue<Guid>();
        var customerId = accepted[0]["customerId"]!.GetValue<Guid>();
        Assert.That(accepted.Select(a => a["conversationId"]!.GetValue<Guid>()), Is.All.EqualTo(conversationId));
        var feed = (await client.WaitForEventsAsync(14))
            .Where(e =>
                e!["data"]!["conversationId"]?.GetValue<Guid>() == conversationId
                && e["type"]!.GetValue<string>() != EventTypes.CustomerCreated
            )
            .Select(e =>
                (
                    Id: e!["id"]!.GetValue<Guid>(),
                    Sequence: e["sequence"]!.GetValue<long>(),
                    Type: e["type"]!.GetValue<string>()
                )
            )
            .ToList();

        var store = Hub.Services.GetRequiredService<IDocumentStore>();
        await using var session = store.QuerySession(MartenEventStore.TenantOf(workspaceId));
        var events = await session.Events.FetchStreamAsync(conversationId);
        var state = await session.Events.FetchStreamStateAsync(conversationId);
        var customer = await session.Events.FetchStreamAsync(customerId);
        Assert.Multiple(() =>
        {
            Assert.That(events.Select(e => e.Version), Is.EqualTo(Enumerable.Range(1, 13).Select(v => (long)v)));
            Assert.That(events.Select(e => e.Sequence), Is.Ordered.Ascending, "versions in the order of their numbers");
            Assert.That(events.Select(e => (e.Id, e.Sequence, e.EventTypeName)), Is.EqualTo(feed));
            Assert.That(events[0].Data, Is.TypeOf<ConversationOpened>());
            Assert.That(
                events.Skip(1).Select(e => ((EngagementReceived)e.Data).Text),
                Is.EquivalentTo(texts),
                "bodies through Marten's serializer, Arabic and emoji intact"
            );
            Assert.That(events.Select(e => e.TenantId), Is.All.EqualTo(workspaceId.ToString()));
            Assert.That(state, Is.Not.Null);
            Assert.That(state!.Version, Is.EqualTo(13));
            Assert.That(customer.Select(e => e.Data), Has.One.TypeOf<CustomerCreated>());
        });

        // Another workspace (another Marten tenant) does not see the stream.
        var (otherWorkspace, _) = await Hub.CreateTenantAsync("marten-reads-other");
        await using var other = store.QuerySession(MartenEventStore.TenantOf(otherWorkspace));
        Assert.That(await other.Events.FetchStreamAsync(conversationId), Is.Empty);
    }
}
