using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SocialCare.Api.EventLog;
using SocialCare.Api.Tests.Support;
using SocialCare.Contracts;

namespace SocialCare.Api.Tests.EventLog.Relay;

/// <summary>The outbox relay: committed events reach RabbitMQ, in order, at least once, none missing.</summary>
public sealed class Event_relay
{
    [Test]
    public async Task Plain_rabbitmq_consumer_receives_engagement_received_with_the_right_ids()
    {
        await using var tap = await RabbitTap.BindAsync("socialcare.engagement.received");
        await using var hub = await new HubFactory().StartAsync();
        var (workspaceId, client) = await hub.CreateTenantAsync("bus");
        using (client)
        {
            var channel = await client.CreateChannelAsync("whatsapp", "Namshi");
            var ids = await client.IngestAsync(
                HubApi.Engagement(channel, "wamid.bus", "447700900123", "Hi from WhatsApp")
            );

            var message = (await tap.WaitForAsync(workspaceId, 1)).Single();
            var envelope = tap.Envelopes.Single(e => e["message"]!["workspaceId"]!.GetValue<Guid>() == workspaceId);
            Assert.Multiple(() =>
            {
                Assert.That(
                    message["engagementId"]!.GetValue<Guid>(),
                    Is.EqualTo(ids["engagementId"]!.GetValue<Guid>())
                );
                Assert.That(
                    message["conversationId"]!.GetValue<Guid>(),
                    Is.EqualTo(ids["conversationId"]!.GetValue<Guid>())
                );
                Assert.That(message["customerId"]!.GetValue<Guid>(), Is.EqualTo(ids["customerId"]!.GetValue<Guid>()));
                Assert.That(message["channelId"]!.GetValue<Guid>(), Is.EqualTo(channel));
                Assert.That(message["brand"]!.GetValue<string>(), Is.EqualTo("Namshi"));
                Assert.That(message["text"]!.GetValue<string>(), Is.EqualTo("Hi from WhatsApp"));
                Assert.That(message["sequence"]!.GetValue<long>(), Is.GreaterThan(0));
                Assert.That(
                    envelope["messageId"]!.GetValue<Guid>(),
                    Is.EqualTo(message["eventId"]!.GetValue<Guid>()),
                    "the event id is the message id"
                );
            });
        }
    }

    [Test]
    public async Task Transaction_that_commits_late_is_published_after_the_earlier_commit_not_skipped()
    {
        await TestEnvironment.WithDatabaseAsync(
            "latecommit",
            async database =>
            {
                await using var tap = await RabbitTap.BindAsync("socialcare.events");
                await using var hub = await new HubFactory(
                    new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = database }
                ).StartAsync();
                var workspaceId = await hub.CreateWorkspaceAsync("late commit");
                var store = hub.Services.GetRequiredService<EventStore>();
                var appended = new TaskCompletionSource();
                var release = new TaskCompletionSource();
                HubEvent Event() =>
                    new ConversationOpened
                    {
                        EventId = Guid.CreateVersion7(),
                        WorkspaceId = workspaceId,
                        ConversationId = Guid.CreateVersion7(),
                        RecordedAt = DateTimeOffset.UtcNow,
                    };
                var early = Event();
                var late = Event();

                // A begins first and writes, but commits last; B begins and commits in between.
                var a = Task.Run(() =>
                    store.WriteAsync(
                        async writer =>
                        {
                            writer.Execute(
                                "insert into customers (id, workspace_id, created_at) values ($1, $2, now())",
                                Guid.CreateVersion7(),
                                workspaceId
                            );
                            writer.Append(
                                early.ConversationId!.Value,
                                typeof(StreamTypes.Conversation),
                                workspaceId,
                                0,
                                [early]
                            );
                            await writer.QueryAsync("select 1", r => r.GetInt32(0), CancellationToken.None);
                            appended.SetResult();
                            await release.Task;
                            return 0;
                        },
                        CancellationToken.None
                    )
                );
                await appended.Task;
                await store.WriteAsync(
                    writer => Append(writer, late.ConversationId!.Value, workspaceId, 0, late),
                    CancellationToken.None
                );
                var first = await tap.WaitForAsync(workspaceId, 1);
                release.SetResult();
                await a;

                var messages = await tap.WaitForAsync(workspaceId, 2);
                var sequences = messages.ToDictionary(
                    m => m["eventId"]!.GetValue<Guid>(),
                    m => m["sequence"]!.GetValue<long>()
                );
                Assert.Multiple(() =>
                {
                    Assert.That(
                        first.Select(m => m["eventId"]!.GetValue<Guid>()),
                        Is.EqualTo(new[] { late.EventId }),
                        "the event committed first is published without waiting for the transaction still running"
                    );
                    Assert.That(
                        sequences.Keys,
                        Is.EquivalentTo(new[] { early.EventId, late.EventId }),
                        "neither event is lost"
                    );
                    Assert.That(sequences[late.EventId], Is.EqualTo(1), "events are numbered in commit order");
                    Assert.That(sequences[early.EventId], Is.EqualTo(2), "the sequence has no gap");
                });
            }
        );
    }

    [Test]
    public async Task Concurrent_writers_number_events_so_that_a_reader_never_sees_a_number_before_those_below_it()
    {
        await TestEnvironment.WithDatabaseAsync(
            "sequence",
            async database =>
            {
                var settings = new Dictionary<string, string?>
                {
                    ["ConnectionStrings:Postgres"] = database,
                    ["Relay:Enabled"] = "false",
                };
                await using var hub = await new HubFactory(settings).StartAsync();
                var workspaceId = await hub.CreateWorkspaceAsync("sequence");
                var store = hub.Services.GetRequiredService<EventStore>();
                await using var reader = new NpgsqlConnection(database);
                await reader.OpenAsync();
                var last = 0L;
                var read = 0;
                var gaps = new List<string>();
                async Task FollowAsync()
                {
                    await using var command = new NpgsqlCommand(
                        "select seq_id from mt_events where seq_id > $1 order by seq_id",
                        reader
                    );
                    command.Parameters.Add(new NpgsqlParameter { Value = last });
                    await using var rows = await command.ExecuteReaderAsync();
                    while (await rows.ReadAsync())
                    {
                        var seq = rows.GetInt64(0);
                        if (seq != last + 1)
                        {
                            gaps.Add($"{seq} seen right after {last}");
                        }

                        (last, read) = (seq, read + 1);
                    }
                }

                // Four writers at once, each transaction 1–3 events on a stream of its own; every fifth one appends at
                // a stale version and rolls back after taking its numbers.
                var appended = 0;
                var writers = Task.WhenAll(
                    Enumerable
                        .Range(0, 4)
                        .Select(w =>
                            Task.Run(async () =>
                            {
                                for (var i = 0; i < 30; i++)
                                {
                                    var stream = Guid.CreateVersion7();
                                    var events = Enumerable
                                        .Range(0, 1 + (i % 3))
                                        .Select(_ =>
                                            (HubEvent)
                                                new ConversationOpened
                                                {
                                                    EventId = Guid.CreateVersion7(),
                                                    WorkspaceId = workspaceId,
                                                    ConversationId = stream,
                                                    RecordedAt = DateTimeOffset.UtcNow,
                                                }
                                        )
                                        .ToList();
                                    try
                                    {
                                        await store.WriteAsync(
                                            writer =>
                                            {
                                                writer.Append(
                                                    stream,
                                                    typeof(StreamTypes.Conversation),
                                                    workspaceId,
                                                    i % 5 == 4 ? 7 : 0,
                                                    events
                                                );
                                                return Task.FromResult(0);
                                            },
                                            CancellationToken.None
                                        );
                                        Interlocked.Add(ref appended, events.Count);
                                    }
                                    catch (ConcurrencyException)
                                    {
                                        Assert.That(i % 5, Is.EqualTo(4), "only the stale appends are refused");
                                    }
                                }
                            })
                        )
                );
                while (!writers.IsCompleted)
                {
                    await FollowAsync();
                }

                await writers;
                await FollowAsync();
                var expected = 4 * Enumerable.Range(0, 30).Where(i => i % 5 != 4).Sum(i => 1 + (i % 3));
                Assert.Multiple(() =>
                {
                    Assert.That(
                        gaps,
                        Is.Empty,
                        "a number showed before one below it: a reader following the sequence would skip that event"
                    );
                    Assert.That(appended, Is.EqualTo(expected), "every append but the stale ones committed");
                    Assert.That(
                        read,
                        Is.EqualTo(expected),
                        "every committed event was read once, and the stale appends left nothing"
                    );
                });
            }
        );
    }

    [Test]
    public async Task Relay_stopped_mid_stream_and_restarted_publishes_every_committed_event()
    {
        await TestEnvironment.WithDatabaseAsync(
            "restart",
            async database =>
            {
                await using var tap = await RabbitTap.BindAsync("socialcare.engagement.received");
                var settings = new Dictionary<string, string?>
                {
                    ["ConnectionStrings:Postgres"] = database,
                    ["Relay:BatchSize"] = "5",
                };
                var relaying = await new HubFactory(settings).StartAsync();
                await using var writerOnly = await new HubFactory(
                    new Dictionary<string, string?>(settings) { ["Relay:Enabled"] = "false" }
                ).StartAsync();
                var (workspaceId, client) = await writerOnly.CreateTenantAsync("restart");
                var ingested = new List<Guid>();
                using (client)
                {
                    var channel = await client.CreateChannelAsync("sms", "Al Tayer");
                    for (var i = 0; i < 40; i++)
                    {
                        ingested.Add(
                            (await client.IngestAsync(HubApi.Engagement(channel, $"sms-{i}", $"user-{i % 7}")))[
                                "engagementId"
                            ]!.GetValue<Guid>()
                        );
                        if (i == 15)
                        {
                            await tap.WaitForAsync(workspaceId, 1);
                            await relaying.DisposeAsync(); // the relay dies mid-stream
                        }
                    }
                }

                await using var restarted = await new HubFactory(settings).StartAsync();
                await tap.WaitForAsync(workspaceId, 40);
                var received = tap.Messages(workspaceId).Select(m => m["engagementId"]!.GetValue<Guid>()).ToHashSet();
                Assert.That(
                    received,
                    Is.EquivalentTo(ingested),
                    "every committed engagement was published at least once"
                );
            }
        );
    }

    [Test]
    public async Task Another_instance_takes_over_when_the_leader_dies()
    {
        await TestEnvironment.WithDatabaseAsync(
            "failover",
            async database =>
            {
                await using var tap = await RabbitTap.BindAsync("socialcare.engagement.received");
                var settings = new Dictionary<string, string?>
                {
                    ["ConnectionStrings:Postgres"] = database,
                    ["Relay:LeaderRetryMs"] = "200",
                };
                var first = await new HubFactory(settings).StartAsync();
                var (workspaceId, firstClient) = await first.CreateTenantAsync("failover");
                var channel = await firstClient.CreateChannelAsync("x", "KLM");
                await firstClient.IngestAsync(HubApi.Engagement(channel, "before", "flyer"));
                await tap.WaitForAsync(workspaceId, 1); // published, so the first instance leads

                await using var second = await new HubFactory(settings).StartAsync();
                var (_, key) = await second.CreateKeyAsync(workspaceId, "second app", ["engagements:write"]);
                firstClient.Dispose();
                await first.DisposeAsync(); // the leader dies; its advisory lock goes with its connection
                using var client = second.ClientWithKey(key);
                await client.IngestAsync(HubApi.Engagement(channel, "after", "flyer"));
                var messages = await tap.WaitForAsync(workspaceId, 2);
                Assert.That(
                    messages.Select(m => m["platformMessageId"]!.GetValue<string>()),
                    Is.SupersetOf(new[] { "before", "after" })
                );
            }
        );
    }

    [Test]
    public async Task Leadership_passes_to_another_hub_when_the_leaders_session_connection_dies()
    {
        await TestEnvironment.WithDatabaseAsync(
            "sessiondeath",
            async database =>
            {
                await using var tap = await RabbitTap.BindAsync("socialcare.engagement.received");
                string Named(string name) =>
                    new NpgsqlConnectionStringBuilder(database) { ApplicationName = name }.ConnectionString;
                // The first hub, once its connection is gone, would not try to lead again for a minute: only the second
                // can take over.
                await using var first = await new HubFactory(
                    new Dictionary<string, string?>
                    {
                        ["ConnectionStrings:Postgres"] = Named("hub-one"),
                        ["Relay:LeaderRetryMs"] = "60000",
                    }
                ).StartAsync();
                var (workspaceId, client) = await first.CreateTenantAsync("session death");
                using (client)
                {
                    var channel = await client.CreateChannelAsync("x", "KLM");
                    await client.IngestAsync(HubApi.Engagement(channel, "before", "flyer"));
                    await tap.WaitForAsync(workspaceId, 1);
                    await using var second = await new HubFactory(
                        new Dictionary<string, string?>
                        {
                            ["ConnectionStrings:Postgres"] = Named("hub-two"),
                            ["Relay:LeaderRetryMs"] = "200",
                        }
                    ).StartAsync();
                    Assert.That(await LeaderAsync(database), Is.EqualTo("hub-one"));

                    // What PostgreSQL does with a connection whose hub stopped answering its keepalives: it ends the
                    // backend, and the session's advisory lock with it.
                    await ScalarAsync(
                        database,
                        $"select pg_terminate_backend(l.pid) from pg_locks l where {LeaderLock}"
                    );
                    var lost = System.Diagnostics.Stopwatch.StartNew();
                    await Eventually.Until(
                        () => LeaderAsync(database),
                        leader => leader == "hub-two",
                        what: "the second hub to lead"
                    );
                    Assert.That(
                        lost.Elapsed,
                        Is.LessThan(TimeSpan.FromSeconds(5)),
                        "a follower takes the lock within Relay:LeaderRetryMs"
                    );

                    await client.IngestAsync(HubApi.Engagement(channel, "after", "flyer"));
                    var messages = await tap.WaitForAsync(workspaceId, 2);
                    Assert.That(
                        messages.Select(m => m["platformMessageId"]!.GetValue<string>()),
                        Is.SupersetOf(new[] { "before", "after" })
                    );
                }
            }
        );
    }

    [Test]
    public async Task Session_connections_ask_postgresql_to_drop_them_seconds_after_their_hub_vanishes()
    {
        await using var hub = await new HubFactory(
            new Dictionary<string, string?> { ["Database:KeepaliveIdle"] = "00:00:03" }
        ).StartAsync();
        await using var connection = await hub
            .Services.GetRequiredService<SocialCare.Api.Infrastructure.Database.SessionConnections>()
            .OpenAsync(CancellationToken.None);
        var settings = new Dictionary<string, string>();
        foreach (
            var name in new[]
            {
                "tcp_keepalives_idle",
                "tcp_keepalives_interval",
                "tcp_keepalives_count",
                "tcp_user_timeout",
            }
        )
        {
            await using var show = new NpgsqlCommand($"show {name}", connection);
            settings[name] = (string)(await show.ExecuteScalarAsync())!;
        }

        var pooled = new NpgsqlConnectionStringBuilder(
            hub.Services.GetRequiredService<NpgsqlDataSource>().ConnectionString
        );
        Assert.Multiple(() =>
        {
            Assert.That(
                settings,
                Is.EquivalentTo(
                    new Dictionary<string, string>
                    {
                        ["tcp_keepalives_idle"] = "3",
                        ["tcp_keepalives_interval"] = "1",
                        ["tcp_keepalives_count"] = "5",
                        ["tcp_user_timeout"] = "10000",
                    }
                ),
                "PostgreSQL probes the hub after 3 s of silence (configured here), then every second, and gives "
                    + "up after five"
            );
            Assert.That(
                (pooled.TcpKeepAliveTime, pooled.TcpKeepAliveInterval),
                Is.EqualTo((3, 1)),
                "and the hub probes PostgreSQL alike"
            );
        });
    }

    /// <summary>The relay leader's session advisory lock (EventRelay's key) in this database.</summary>
    private const string LeaderLock = """
        l.locktype = 'advisory' and l.classid = 0 and l.objid = 1548419074 and l.granted
        and l.database = (select oid from pg_database where datname = current_database())
        """;

    private static async Task<string?> LeaderAsync(string database) =>
        await ScalarAsync(
            database,
            $"select a.application_name from pg_locks l join pg_stat_activity a on a.pid = l.pid where {LeaderLock}"
        ) as string;

    private static async Task<object?> ScalarAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    [Test]
    public async Task Stale_expected_version_is_refused_and_writes_nothing()
    {
        await using var hub = await new HubFactory().StartAsync();
        var workspaceId = await hub.CreateWorkspaceAsync("versions");
        var store = hub.Services.GetRequiredService<EventStore>();
        var stream = Guid.CreateVersion7();
        HubEvent Event() =>
            new ConversationOpened
            {
                EventId = Guid.CreateVersion7(),
                WorkspaceId = workspaceId,
                ConversationId = stream,
                RecordedAt = DateTimeOffset.UtcNow,
            };

        await store.WriteAsync(w => Append(w, stream, workspaceId, 0, Event()), CancellationToken.None);
        await store.WriteAsync(w => Append(w, stream, workspaceId, 1, Event()), CancellationToken.None);
        Assert.ThrowsAsync<ConcurrencyException>(() =>
            store.WriteAsync(w => Append(w, stream, workspaceId, 1, Event()), CancellationToken.None)
        );
        Assert.ThrowsAsync<ConcurrencyException>(() =>
            store.WriteAsync(w => Append(w, stream, workspaceId, 0, Event()), CancellationToken.None)
        );
        Assert.ThrowsAsync<ConcurrencyException>(
            () =>
                store.WriteAsync(
                    w => Append(w, Guid.CreateVersion7(), workspaceId, 3, Event()),
                    CancellationToken.None
                ),
            "a stream that does not exist is not at version 3"
        );
        Assert.That(await Database.CountEventsAsync(workspaceId), Is.EqualTo(2));
    }

    private static Task<int> Append(EventWriter writer, Guid stream, Guid workspaceId, long expected, HubEvent e)
    {
        writer.Append(stream, typeof(StreamTypes.Conversation), workspaceId, expected, [e]);
        return Task.FromResult(0);
    }

    [TestCase("00:00:00", "00:00:30")]
    [TestCase("00:00:05", "00:00:02")]
    public async Task Publish_timeouts_that_cannot_work_stop_the_hub_from_starting(string publish, string stalled)
    {
        await using var hub = new HubFactory(
            new Dictionary<string, string?>
            {
                ["Relay:PublishTimeout"] = publish,
                ["Relay:StalledPublishTimeout"] = stalled,
            }
        );
        var refused = Assert.CatchAsync(hub.StartAsync);
        Assert.That(
            refused!.ToString(),
            Does.Contain("Relay:PublishTimeout must be positive, and Relay:StalledPublishTimeout at least as long.")
        );
    }
}
