using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Npgsql;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.EventLog;

/// <summary>
/// Dead letters (issue 21, point 4): a message that exhausted its retries on one of the hub's own queues, and an event
/// the relay or a follower could not read, are kept, listed, inspected and redriven through the admin API — and only
/// through it.
/// </summary>
public sealed class Dead_letters : HubFixture
{
    protected override bool OwnDatabase => true;

    // Poison rows are written into the log past the hub.
    protected override bool ChecksEvents => false;

    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>
        {
            ["Webhooks:AllowPrivateTargets"] = "true",
            ["RabbitMq:Retry:Limit"] = "1",
            ["RabbitMq:Retry:MinInterval"] = "00:00:00.010",
            ["RabbitMq:Retry:MaxInterval"] = "00:00:00.020",
            ["RabbitMq:Retry:IntervalDelta"] = "00:00:00.010",
        };

    private async Task ExecuteAsync(string sql, params object[] arguments)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var argument in arguments)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = argument });
        }

        await command.ExecuteNonQueryAsync();
    }

    private async Task<JsonArray> ListAsync(string query = "")
    {
        using var admin = Hub.AdminClient();
        return (await HubApi.ReadJson(await admin.GetAsync($"/v1/admin/dead-letters{query}"), HttpStatusCode.OK))[
            "items"
        ]!.AsArray();
    }

    private async Task<JsonNode> WaitForAsync(Func<JsonNode, bool> which, string query = "") =>
        await Eventually.Until(
            async () => (await ListAsync(query)).FirstOrDefault(d => which(d!)),
            d => d is not null,
            what: "the dead letter"
        ) ?? throw new InvalidOperationException("unreachable");

    /// <summary>A webhook receiver subscribed to the workspace's <c>engagement.received</c>, and a fault (a trigger named
    /// <paramref name="fault"/>) the fan-out meets on every attempt for the workspace's deliveries, until
    /// <see cref="RemoveFaultAsync"/>.</summary>
    private async Task<WebhookReceiver> FailingFanOutAsync(HttpClient client, Guid workspaceId, string fault)
    {
        var receiver = await WebhookReceiver.StartAsync();
        await HubApi.ReadJson(
            await client.PostAsJsonAsync(
                "/v1/subscriptions",
                new { url = receiver.Url(), eventTypes = new[] { "engagement.received" } }
            ),
            HttpStatusCode.Created
        );
        await ExecuteAsync(
            $"""
            create function {fault}() returns trigger language plpgsql as
                $$ begin raise exception 'injected fault for event %', new.event_id; end $$;
            create trigger {fault} before insert on webhook_deliveries for each row
                when (new.workspace_id = '{workspaceId}') execute function {fault}();
            """
        );
        return receiver;
    }

    private Task RemoveFaultAsync(string fault) =>
        ExecuteAsync($"drop trigger {fault} on webhook_deliveries; drop function {fault}();");

    [Test]
    public async Task A_message_that_exhausts_its_retries_on_the_fan_out_is_kept_and_redriven_once_the_fault_is_gone()
    {
        var (workspaceId, client) = await Hub.CreateTenantAsync("dead letters queue");
        using var _ = client;
        using var admin = Hub.AdminClient();
        await using var receiver = await FailingFanOutAsync(client, workspaceId, "fail_deliveries");
        var channel = await client.CreateChannelAsync("whatsapp", "Namshi");
        var ingested = await client.IngestAsync(HubApi.Engagement(channel, "dl-1", "971500000601", "مرحبا 👋"));

        var letter = await WaitForAsync(d => d["workspaceId"]?.GetValue<Guid>() == workspaceId, "?source=queue");
        var id = letter["id"]!.GetValue<Guid>();
        var detail = await HubApi.ReadJson(await admin.GetAsync($"/v1/admin/dead-letters/{id}"), HttpStatusCode.OK);
        Assert.Multiple(() =>
        {
            Assert.That(letter["source"]!.GetValue<string>(), Is.EqualTo("queue"));
            Assert.That(letter["queue"]!.GetValue<string>(), Does.StartWith("socialcare-webhooks-test-"));
            Assert.That(letter["eventType"]!.GetValue<string>(), Is.EqualTo("engagement.received"));
            Assert.That(letter["error"]!.GetValue<string>(), Does.Contain("injected fault for event"));
            Assert.That(letter["redrivenAt"], Is.Null);
            Assert.That(detail["headers"]!["cloudEvents_type"]!.GetValue<string>(), Is.EqualTo("engagement.received"));
            Assert.That(detail["bodyEncoding"]!.GetValue<string>(), Is.EqualTo("utf-8"));
            // MassTransit's envelope, the event in its "message".
            var message = JsonNode.Parse(detail["body"]!.GetValue<string>())!["message"]!;
            Assert.That(message["text"]!.GetValue<string>(), Is.EqualTo("مرحبا 👋"));
            Assert.That(
                message["engagementId"]!.GetValue<string>(),
                Is.EqualTo(ingested["engagementId"]!.GetValue<string>())
            );
            Assert.That(receiver.All, Is.Empty, "nothing was delivered");
        });

        await RemoveFaultAsync("fail_deliveries");
        var redriven = await HubApi.ReadJson(
            await admin.PostAsync($"/v1/admin/dead-letters/{id}/redrive", null),
            HttpStatusCode.Accepted
        );
        var delivered = await receiver.WaitForAsync(_ => true, 1);
        Assert.Multiple(async () =>
        {
            Assert.That(redriven["redrives"]!.GetValue<int>(), Is.EqualTo(1));
            Assert.That(redriven["redrivenAt"], Is.Not.Null);
            Assert.That(
                JsonNode.Parse(delivered[0].Body)!["data"]!["text"]!.GetValue<string>(),
                Is.EqualTo("مرحبا 👋"),
                "the message went back to its queue and was fanned out"
            );
            Assert.That((await ListAsync()).Select(d => d!["id"]!.GetValue<Guid>()), Does.Not.Contain(id));
            Assert.That(
                (await ListAsync("?status=redriven")).Select(d => d!["id"]!.GetValue<Guid>()),
                Does.Contain(id)
            );
            await HubApi.ReadProblem(
                await admin.PostAsync($"/v1/admin/dead-letters/{id}/redrive", null),
                HttpStatusCode.Conflict,
                "already-redriven"
            );
        });

        Assert.That(
            (await admin.DeleteAsync($"/v1/admin/dead-letters/{id}")).StatusCode,
            Is.EqualTo(HttpStatusCode.NoContent)
        );
        await HubApi.ReadProblem(
            await admin.GetAsync($"/v1/admin/dead-letters/{id}"),
            HttpStatusCode.NotFound,
            "not-found"
        );
    }

    /// <summary>An erasure reaches dead letters too: the message kept as received loses its body, and a redrive sends
    /// the event as the log now holds it, every personal field null.</summary>
    [Test]
    public async Task An_erased_customers_dead_letter_loses_its_body_and_a_redrive_sends_the_erased_event()
    {
        var (workspaceId, client) = await Hub.CreateTenantAsync("dead letters erasure");
        using var _ = client;
        using var admin = Hub.AdminClient();
        await using var receiver = await FailingFanOutAsync(client, workspaceId, "fail_erased");
        var channel = await client.CreateChannelAsync("whatsapp", "Namshi");
        var ingested = await client.IngestAsync(
            HubApi.Engagement(channel, "dl-erased", "971500000651", "عنواني 12 شارع النخيل 🏠")
        );
        var id = (await WaitForAsync(d => d["workspaceId"]?.GetValue<Guid>() == workspaceId, "?source=queue"))[
            "id"
        ]!.GetValue<Guid>();

        await HubApi.ReadJson(
            await client.PostAsync($"/v1/customers/{ingested["customerId"]}/erasure", null),
            HttpStatusCode.Accepted
        );
        var detail = await HubApi.ReadJson(await admin.GetAsync($"/v1/admin/dead-letters/{id}"), HttpStatusCode.OK);
        Assert.Multiple(() =>
        {
            Assert.That(detail["body"], Is.Null, "the message as received is gone");
            Assert.That(detail.ToJsonString(), Does.Not.Contain("971500000651"));
            Assert.That(detail.ToJsonString(), Does.Not.Contain("النخيل"));
        });

        await RemoveFaultAsync("fail_erased");
        await HubApi.ReadJson(
            await admin.PostAsync($"/v1/admin/dead-letters/{id}/redrive", null),
            HttpStatusCode.Accepted
        );
        var data = JsonNode.Parse((await receiver.WaitForAsync(_ => true, 1)).Single().Body)!["data"]!;
        Assert.Multiple(() =>
        {
            Assert.That(
                data["engagementId"]!.GetValue<string>(),
                Is.EqualTo(ingested["engagementId"]!.GetValue<string>())
            );
            Assert.That(data["text"], Is.Null, "the event as the log holds it after the erasure");
            Assert.That(data["author"]?["platformUserId"], Is.Null);
        });
    }

    [Test]
    public async Task An_event_the_relay_and_the_workflow_cannot_read_is_refused_while_unreadable_and_taken_once_repaired()
    {
        var (workspaceId, client) = await Hub.CreateTenantAsync("dead letters relay");
        using var _ = client;
        using var admin = Hub.AdminClient();
        var channel = await client.CreateChannelAsync("whatsapp", "Namshi");
        var real = await client.IngestAsync(HubApi.Engagement(channel, "dl-real", "971500000701"));
        await using var bus = await RabbitTap.BindTopicAsync($"{workspaceId}.*.conversation.opened");
        var poison = Guid.CreateVersion7();
        await ExecuteAsync(
            """
            with stream as (insert into mt_streams (tenant_id, id, type, version)
                values ($2, gen_random_uuid(), 'conversation', 1) returning id)
            insert into mt_events (seq_id, id, stream_id, version, tenant_id, type, data)
            select nextval('mt_events_sequence'), $1, stream.id, 1, $2, 'conversation.opened', '"not an event"'
            from stream
            """,
            poison,
            workspaceId.ToString()
        );
        // The relay and the workflow both pass the poison by, on their next round (the next commit wakes them).
        await client.IngestAsync(HubApi.Engagement(channel, "dl-after", "971500000702"));
        var relay = await WaitForAsync(d => d["eventId"]?.GetValue<Guid>() == poison, "?source=relay");
        var workflow = await WaitForAsync(
            d => d["eventId"]?.GetValue<Guid>() == poison && d["follower"]?.GetValue<string>() == "workflow",
            "?source=follower"
        );
        Assert.Multiple(() =>
        {
            Assert.That(relay["follower"]!.GetValue<string>(), Is.EqualTo("rabbitmq"));
            Assert.That(relay["workspaceId"]!.GetValue<Guid>(), Is.EqualTo(workspaceId));
            Assert.That(relay["eventType"]!.GetValue<string>(), Is.EqualTo("conversation.opened"));
            Assert.That(relay["sequence"]!.GetValue<long>(), Is.GreaterThan(0));
        });

        var refused = await HubApi.ReadProblem(
            await admin.PostAsync($"/v1/admin/dead-letters/{relay["id"]}/redrive", null),
            HttpStatusCode.UnprocessableEntity,
            "dead-letter-unreadable"
        );
        Assert.That(refused["detail"]!.GetValue<string>(), Is.Not.Empty);

        // Repaired: the body of the real conversation.opened, under the poison's id.
        await ExecuteAsync(
            """
            update mt_events p set data = jsonb_set(r.data, '{eventId}', to_jsonb(p.id::text))
            from mt_events r where p.id = $1 and r.type = 'conversation.opened' and r.data->>'conversationId' = $2
            """,
            poison,
            real["conversationId"]!.GetValue<string>()
        );
        await HubApi.ReadJson(
            await admin.PostAsync($"/v1/admin/dead-letters/{relay["id"]}/redrive", null),
            HttpStatusCode.Accepted
        );
        var published = await Eventually.Until(
            () => Task.FromResult(bus.Messages(workspaceId)),
            m => m.Any(e => e["eventId"]!.GetValue<Guid>() == poison),
            what: "the repaired event on the bus"
        );
        await HubApi.ReadJson(
            await admin.PostAsync($"/v1/admin/dead-letters/{workflow["id"]}/redrive", null),
            HttpStatusCode.Accepted
        );
        // The workflow reads it on its next pass (the next commit, or its poll).
        await client.IngestAsync(HubApi.Engagement(channel, "dl-wake", "971500000703"));
        var taken = await WaitForAsync(
            d => d["id"]!.GetValue<Guid>() == workflow["id"]!.GetValue<Guid>() && d["redrivenAt"] is not null,
            "?status=all&source=follower"
        );
        Assert.Multiple(() =>
        {
            Assert.That(published.Count(e => e["eventId"]!.GetValue<Guid>() == poison), Is.EqualTo(1));
            Assert.That(taken["redrives"]!.GetValue<int>(), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Only_the_admin_key_sees_dead_letters()
    {
        var (_, client) = await Hub.CreateTenantAsync("dead letters access");
        using var _ = client;
        using var anonymous = Hub.CreateClient();
        using var admin = Hub.AdminClient();
        Assert.Multiple(async () =>
        {
            Assert.That(
                (await anonymous.GetAsync("/v1/admin/dead-letters")).StatusCode,
                Is.EqualTo(HttpStatusCode.Unauthorized)
            );
            Assert.That(
                (await client.GetAsync("/v1/admin/dead-letters")).StatusCode,
                Is.EqualTo(HttpStatusCode.Forbidden)
            );
            Assert.That(
                (await client.PostAsync($"/v1/admin/dead-letters/{Guid.CreateVersion7()}/redrive", null)).StatusCode,
                Is.EqualTo(HttpStatusCode.Forbidden)
            );
            await HubApi.ReadProblem(
                await admin.PostAsync($"/v1/admin/dead-letters/{Guid.CreateVersion7()}/redrive", null),
                HttpStatusCode.NotFound,
                "not-found"
            );
            await HubApi.ReadProblem(
                await admin.GetAsync("/v1/admin/dead-letters?source=elsewhere&status=lost"),
                HttpStatusCode.BadRequest,
                "validation-failed"
            );
        });
    }
}
