using System.Net;
using Npgsql;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Workflow;

/// <summary>
/// SLA timers are durable in PostgreSQL (issue 18, point 5): a breach that fell due while every hub was down fires when
/// one starts, and with two hubs running each warning and breach fires once. An event the processor cannot read is set
/// aside, and the clocks go on.
/// </summary>
public sealed class Sla_timers
{
    [Test]
    public async Task A_breach_that_fell_due_while_every_hub_was_down_fires_when_one_starts()
    {
        await TestEnvironment.WithDatabaseAsync(
            "sla-restart",
            async database =>
            {
                var settings = new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = database };
                Guid workspaceId;
                string key;
                Guid conversation;
                DateTimeOffset due;
                await using (var before = await new HubFactory(settings).StartAsync())
                {
                    workspaceId = await before.CreateWorkspaceAsync("restart");
                    (_, key) = await before.CreateKeyAsync(
                        workspaceId,
                        "ops",
                        [.. SocialCare.Api.Authorization.Scopes.All]
                    );
                    using var client = before.ClientWithKey(key);
                    var policy = await client.CreatePolicyAsync(new { name = "Fast", firstResponse = "PT1H" });
                    await client.ConfigureBrandAsync("Careem", policy);
                    var channel = await client.CreateChannelAsync("app-chat", "Careem");
                    conversation = (
                        await client.IngestAsync(HubApi.Engagement(channel, "down-1", "rider-1", "Anyone there?"))
                    )["conversationId"]!.GetValue<Guid>();
                    await client.WaitForConversationEventsAsync(conversation, 1);
                }

                // Every hub is down while the target falls due: the hour passes at once, as its row says it did.
                await using (var connection = new NpgsqlConnection(database))
                {
                    await connection.OpenAsync();
                    await using var passed = new NpgsqlCommand(
                        """
                        update sla_clocks set due_at = now() - interval '5 seconds', next_at = now() - interval '5 seconds'
                        where conversation_id = $1 and status = 'running' returning due_at
                        """,
                        connection
                    );
                    passed.Parameters.Add(new NpgsqlParameter { Value = conversation });
                    await using var reader = await passed.ExecuteReaderAsync();
                    await reader.ReadAsync();
                    due = reader.GetFieldValue<DateTimeOffset>(0);
                }

                await using var after = await new HubFactory(settings).StartAsync();
                using var again = after.ClientWithKey(key);
                var events = await again.WaitForConversationEventsAsync(conversation, 2);
                Assert.Multiple(() =>
                {
                    Assert.That(events.Select(e => e.Type()), Is.EqualTo(new[] { "sla.applied", "sla.breached" }));
                    Assert.That(events[1]["data"]!.At("dueAt"), Is.EqualTo(due));
                    Assert.That(events[1]["data"]!.At("recordedAt"), Is.GreaterThan(due.AddSeconds(1)));
                });
            }
        );
    }

    [Test]
    public async Task Two_hubs_fire_each_warning_and_breach_once()
    {
        const int Conversations = 30;
        await TestEnvironment.WithDatabaseAsync(
            "sla-two-hubs",
            async database =>
            {
                var settings = new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = database };
                await using var one = await new HubFactory(settings).StartAsync();
                await using var two = await new HubFactory(settings).StartAsync();
                var workspaceId = await one.CreateWorkspaceAsync("two hubs");
                var (_, key) = await one.CreateKeyAsync(
                    workspaceId,
                    "ops",
                    [.. SocialCare.Api.Authorization.Scopes.All]
                );
                using var first = one.ClientWithKey(key);
                using var second = two.ClientWithKey(key);
                var policy = await first.CreatePolicyAsync(
                    new
                    {
                        name = "Fast",
                        firstResponse = "PT2S",
                        warnBefore = "PT1S",
                    }
                );
                await first.ConfigureBrandAsync("Namshi", policy);
                var channel = await first.CreateChannelAsync("app-chat", "Namshi");
                for (var i = 0; i < Conversations; i++)
                {
                    await (i % 2 == 0 ? first : second).IngestAsync(
                        HubApi.Engagement(channel, $"twin-{i}", $"customer-{i}", $"رسالة {i} ⏰")
                    );
                }

                var breaches = await first.WaitForEventsAsync(Conversations, "sla.breached");
                // Until no clock of the workspace has a timer left: a second firing, had there been one, is committed
                // by then (a clock is fired in the transaction that clears its timer).
                await Eventually.Until(
                    async () =>
                    {
                        await using var connection = new NpgsqlConnection(database);
                        await connection.OpenAsync();
                        await using var left = new NpgsqlCommand(
                            "select count(*)::int from sla_clocks where workspace_id = $1 and next_at is not null",
                            connection
                        );
                        left.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
                        return (int)(await left.ExecuteScalarAsync())!;
                    },
                    left => left == 0,
                    what: "every timer of the workspace fired"
                );
                var page = await HubApi.ReadJson(
                    await second.GetAsync("/v1/events?limit=500&types=sla.*"),
                    HttpStatusCode.OK
                );
                var fired = page["items"]!
                    .AsArray()
                    .GroupBy(e => (e!["type"]!.GetValue<string>(), e["data"]!["conversationId"]!.GetValue<Guid>()))
                    .ToList();
                Assert.Multiple(() =>
                {
                    Assert.That(breaches, Has.Count.EqualTo(Conversations));
                    Assert.That(fired.Count(g => g.Key.Item1 == "sla.warning"), Is.EqualTo(Conversations));
                    Assert.That(fired.Count(g => g.Key.Item1 == "sla.breached"), Is.EqualTo(Conversations));
                    Assert.That(fired.Where(g => g.Count() > 1).Select(g => g.Key), Is.Empty, "fired twice");
                });
            }
        );
    }

    [Test]
    public async Task An_event_the_processor_cannot_read_is_dead_lettered_and_the_clocks_go_on()
    {
        await TestEnvironment.WithDatabaseAsync(
            "sla-poison",
            async database =>
            {
                var settings = new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = database };
                // The log gets a row no contract can read, written past the hub: its schema check is off.
                await using var hub = await new HubFactory(settings) { ChecksEvents = false }.StartAsync();
                var workspaceId = await hub.CreateWorkspaceAsync("poison");
                var (_, key) = await hub.CreateKeyAsync(
                    workspaceId,
                    "ops",
                    [.. SocialCare.Api.Authorization.Scopes.All]
                );
                using var client = hub.ClientWithKey(key);
                var policy = await client.CreatePolicyAsync(new { name = "Any", resolution = "P1D" });
                await client.ConfigureBrandAsync("Namshi", policy);
                var channel = await client.CreateChannelAsync("app-chat", "Namshi");
                var poison = Guid.CreateVersion7();
                await using (var connection = new NpgsqlConnection(database))
                {
                    await connection.OpenAsync();
                    await using var insert = new NpgsqlCommand(
                        """
                        with stream as (insert into mt_streams (tenant_id, id, type, version)
                            values ($2, gen_random_uuid(), 'conversation', 1) returning id)
                        insert into mt_events (seq_id, id, stream_id, version, tenant_id, type, data)
                        select nextval('mt_events_sequence'), $1, stream.id, 1, $2, 'conversation.opened',
                            '"not an event"' from stream
                        """,
                        connection
                    );
                    insert.Parameters.Add(new NpgsqlParameter { Value = poison });
                    insert.Parameters.Add(
                        new NpgsqlParameter { Value = SocialCare.Api.EventLog.MartenEventStore.TenantOf(workspaceId) }
                    );
                    await insert.ExecuteNonQueryAsync();
                }

                var conversation = (
                    await client.IngestAsync(HubApi.Engagement(channel, "after-poison", "cust-p", "مرحبا"))
                )["conversationId"]!.GetValue<Guid>();
                var applied = (await client.WaitForConversationEventsAsync(conversation, 1))[0];
                await using var check = new NpgsqlConnection(database);
                await check.OpenAsync();
                await using var read = new NpgsqlCommand(
                    "select count(*)::int from dead_letters where event_id = $1 and follower = 'workflow'",
                    check
                );
                read.Parameters.Add(new NpgsqlParameter { Value = poison });
                Assert.Multiple(async () =>
                {
                    Assert.That(applied.Type(), Is.EqualTo("sla.applied"));
                    Assert.That((int)(await read.ExecuteScalarAsync())!, Is.EqualTo(1));
                });
            }
        );
    }
}
