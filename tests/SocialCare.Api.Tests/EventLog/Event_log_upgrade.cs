using System.Net;
using System.Net.Http.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;
using SocialCare.Api.EventLog;
using SocialCare.Api.Tests.Support;
using SocialCare.Contracts;

namespace SocialCare.Api.Tests.EventLog;

/// <summary>
/// A log written by the hub's own event store (before Marten) moves into Marten's tables in place: events keep their
/// ids and sequence numbers, streams their versions, the relay its checkpoint, and the log goes on from there.
/// </summary>
public sealed class Event_log_upgrade : HubFixture
{
    private const string LastOwnStoreMigration = "0022";

    [Test]
    public async Task Events_written_before_Marten_keep_their_numbers_and_the_log_goes_on_from_them()
    {
        await TestEnvironment.WithDatabaseAsync(
            "event-log-upgrade",
            async database =>
            {
                var old = await WriteAsTheOwnStoreDidAsync(database);

                // Two instances start together: the migration lock makes one move the log, the other find it moved.
                var settings = new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = database };
                await using var one = new HubFactory(settings);
                await using var two = new HubFactory(settings);
                await Task.WhenAll(Task.Run(one.StartAsync), Task.Run(two.StartAsync));

                using var client = two.ClientWithKey(old.ApiKey);
                var feed = await HubApi.ReadJson(await client.GetAsync("/v1/events?after=0"), HttpStatusCode.OK);
                var items = feed["items"]!.AsArray();
                Assert.Multiple(() =>
                {
                    Assert.That(
                        items.Select(i => i!["sequence"]!.GetValue<long>()),
                        Is.EqualTo(new long[] { 7, 8, 9 }),
                        "the numbers the events had"
                    );
                    Assert.That(items.Select(i => i!["id"]!.GetValue<Guid>()), Is.EqualTo(old.EventIds));
                    Assert.That(
                        items.Select(i => i!["type"]!.GetValue<string>()),
                        Is.EqualTo(new[] { "customer.created", "conversation.opened", "conversation.tagged" })
                    );
                    Assert.That(
                        items[2]!["data"]!["tags"]!.AsArray().Select(t => t!.GetValue<string>()),
                        Is.EqualTo(new[] { "لوجستيات 🚚" })
                    );
                });

                // The migrated stream takes the next version (the command checks it), and the next event the next
                // number.
                using var tag = new HttpRequestMessage(HttpMethod.Post, $"/v1/conversations/{old.ConversationId}/tags")
                {
                    Content = JsonContent.Create(new { add = new[] { "vip" } }),
                };
                tag.Headers.TryAddWithoutValidation("If-Match", "\"2\"");
                await HubApi.ReadJson(await client.SendAsync(tag), HttpStatusCode.OK);
                var next = await HubApi.ReadJson(await client.GetAsync("/v1/events?after=9"), HttpStatusCode.OK);
                Assert.That(
                    next["items"]!
                        .AsArray()
                        .Select(i => (i!["sequence"]!.GetValue<long>(), i["type"]!.GetValue<string>())),
                    Is.EqualTo(new[] { (10L, "conversation.tagged") })
                );

                // The relay went on from its checkpoint (8) to the new event.
                var relayed = await Eventually.Until(
                    () =>
                        ScalarAsync<long>(
                            database,
                            "select last_seq_id from mt_event_progression where name = 'rabbitmq'"
                        ),
                    seq => seq == 10,
                    what: "the relay's checkpoint reaching the new event"
                );
                Assert.That(relayed, Is.EqualTo(10));
                await two
                    .Services.GetRequiredService<IDocumentStore>()
                    .Storage.Database.AssertDatabaseMatchesConfigurationAsync();
                Assert.That(
                    await ScalarAsync<long>(
                        database,
                        "select count(*) from pg_tables where tablename in ('events', 'streams', "
                            + "'event_sequence', 'event_progress')"
                    ),
                    Is.Zero,
                    "no hand-written event store remains"
                );
            }
        );
    }

    [Test]
    public async Task Marten_finds_the_migrated_database_matching_its_configuration()
    {
        var store = Hub.Services.GetRequiredService<IDocumentStore>();
        // Throws, naming the differences, when migration 0023 and the Marten version or MartenEventStore's settings
        // disagree.
        await store.Storage.Database.AssertDatabaseMatchesConfigurationAsync();
        Assert.That(store.Options.Events.TenancyStyle, Is.EqualTo(JasperFx.MultiTenancy.TenancyStyle.Conjoined));
    }

    private sealed record OwnStoreRows(string ApiKey, Guid ConversationId, IReadOnlyList<Guid> EventIds);

    /// <summary>The schema as migration 0022 left it, and a conversation's log written into it as the own store wrote
    /// it.</summary>
    private static async Task<OwnStoreRows> WriteAsTheOwnStoreDidAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await OlderHub.MigrateToAsync(connection, LastOwnStoreMigration);

        var (workspaceId, channelId, customerId, conversationId) = (
            Guid.CreateVersion7(),
            Guid.CreateVersion7(),
            Guid.CreateVersion7(),
            Guid.CreateVersion7()
        );
        var at = DateTimeOffset.UtcNow.AddDays(-1);
        var (_, apiKey) = await OlderHub.WorkspaceWithKeyAsync(connection, workspaceId, "before Marten");
        await OlderHub.ExecuteAsync(
            connection,
            "insert into channels (id, workspace_id, type, name, brand, secrets) values ($1, $2, 'sms', 'SMS', "
                + "'Namshi', '{}')",
            channelId,
            workspaceId
        );
        await OlderHub.ExecuteAsync(
            connection,
            "insert into customers (id, workspace_id, display_name, created_at) values ($1, $2, 'Sheena', $3)",
            customerId,
            workspaceId,
            at
        );
        await OlderHub.ExecuteAsync(
            connection,
            """
            insert into conversations (id, workspace_id, brand, customer_id, status, current_channel_id, channel_ids,
                channel_types,
                                       opened_at, last_activity_at, tags, version)
            values ($1, $2, 'Namshi', $3, 'open', $4, array[$4]::uuid[], '{sms}', $5, $5, '{لوجستيات 🚚}', 2)
            """,
            conversationId,
            workspaceId,
            customerId,
            channelId,
            at
        );

        HubEvent Stamp(HubEvent e) =>
            e with
            {
                EventId = Guid.CreateVersion7(),
                WorkspaceId = workspaceId,
                Brand = "Namshi",
                CustomerId = customerId,
                RecordedAt = at,
            };
        var created = Stamp(
            new CustomerCreated
            {
                DisplayName = "Sheena",
                Identity = new CustomerIdentity("sms", "+971500000099", "Sheena", null),
            }
        );
        var opened = Stamp(
            new ConversationOpened
            {
                ChannelId = channelId,
                ChannelType = "sms",
                ConversationId = conversationId,
            }
        );
        var tagged = Stamp(
            new ConversationTagged
            {
                Added = ["لوجستيات 🚚"],
                Tags = ["لوجستيات 🚚"],
                ConversationId = conversationId,
            }
        );
        await OlderHub.ExecuteAsync(
            connection,
            "insert into streams (id, workspace_id, type, version) values ($1, $2, 'customer', 1), ($3, $2, "
                + "'conversation', 2)",
            customerId,
            workspaceId,
            conversationId
        );
        // Numbers 1–6 went to another workspace's events, since deleted: the log does not start at 1.
        var seq = 7L;
        foreach (
            var (e, stream, version) in new[]
            {
                (created, customerId, 1L),
                (opened, conversationId, 1L),
                (tagged, conversationId, 2L),
            }
        )
        {
            await OlderHub.ExecuteAsync(
                connection,
                """
                insert into events (id, seq, stream_id, stream_version, workspace_id, type, data, recorded_at) values
                    ($1, $2, $3, $4, $5, $6, $7, $8)
                """,
                e.EventId,
                seq++,
                stream,
                version,
                workspaceId,
                EventTypeRegistry.NameOf(e),
                new NpgsqlParameter { Value = EventTypeRegistry.Serialize(e), NpgsqlDbType = NpgsqlDbType.Jsonb },
                at
            );
        }

        await OlderHub.ExecuteAsync(connection, "update event_sequence set last_seq = 9");
        await OlderHub.ExecuteAsync(connection, "insert into event_progress (name, last_seq) values ('rabbitmq', 8)");
        return new OwnStoreRows(apiKey, conversationId, [created.EventId, opened.EventId, tagged.EventId]);
    }

    private static async Task<T> ScalarAsync<T>(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
