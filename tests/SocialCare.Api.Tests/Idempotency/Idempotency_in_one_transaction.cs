using System.Net;
using System.Net.Http.Json;
using Npgsql;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Idempotency;

/// <summary>
/// An idempotent request's effect, the claim on its key and its recorded answer commit together. Failures are injected
/// with a trigger on the keys table (this fixture's own database): it fails, or waits, exactly when the answer is
/// recorded, that is after the effect and before the commit — where a hub that dies leaves its request.
/// </summary>
public sealed class Idempotency_in_one_transaction : HubFixture
{
    private const long Gate = 7_000_001;

    protected override bool OwnDatabase => true;

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Recording an answer under a key starting with <c>crash-</c> fails, until the returned scope
    /// ends.</summary>
    private async Task<IAsyncDisposable> FailRecordingAsync()
    {
        await ExecuteAsync(
            """
            create function test_fail_recording() returns trigger language plpgsql as $$
            begin
                raise exception 'the hub died before it recorded the answer';
            end $$;
            create trigger test_fail_recording before insert or update on idempotency_keys
                for each row when (new.key like 'crash-%' and new.status <> 0) execute function test_fail_recording();
            """
        );
        return new Cleanup(() =>
            ExecuteAsync("drop trigger test_fail_recording on idempotency_keys; drop function test_fail_recording()")
        );
    }

    private sealed class Cleanup(Func<Task> undo) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await undo();
    }

    private static HttpRequestMessage Post(string path, object body, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    [Test]
    public async Task A_create_that_died_before_its_answer_was_recorded_runs_once_when_retried()
    {
        var (_, client) = await Hub.CreateTenantAsync("crash create");
        var body = new
        {
            type = "sms",
            name = "gateway",
            brand = "Namshi",
        };
        await using (await FailRecordingAsync())
        {
            await HubApi.ReadProblem(
                await client.SendAsync(Post("/v1/channels", body, "crash-create")),
                HttpStatusCode.InternalServerError,
                "internal-error"
            );
        }

        await HubApi.ReadJson(
            await client.SendAsync(Post("/v1/channels", body, "crash-create")),
            HttpStatusCode.Created
        );
        var channels = await HubApi.ReadJson(await client.GetAsync("/v1/channels"), HttpStatusCode.OK);
        Assert.That(channels["items"]!.AsArray(), Has.Count.EqualTo(1), "the failed attempt left no channel behind");
    }

    [Test]
    public async Task An_identity_link_that_died_before_its_answer_was_recorded_appends_its_event_once_when_retried()
    {
        var (workspaceId, client) = await Hub.CreateTenantAsync("crash link");
        var sms = await client.CreateChannelAsync("sms", "du");
        var customerId = (await client.IngestAsync(HubApi.Engagement(sms, "s1", "+971501111111")))[
            "customerId"
        ]!.GetValue<Guid>();
        var link = new { channelType = "whatsapp", platformUserId = "971501111111" };
        await using (await FailRecordingAsync())
        {
            await HubApi.ReadProblem(
                await client.SendAsync(Post($"/v1/customers/{customerId}/identities", link, "crash-link")),
                HttpStatusCode.InternalServerError,
                "internal-error"
            );
        }

        await HubApi.ReadJson(
            await client.SendAsync(Post($"/v1/customers/{customerId}/identities", link, "crash-link")),
            HttpStatusCode.Created
        );
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand(
            "select count(*) from mt_events where tenant_id = $1::text and type = 'customer.identity_linked'",
            connection
        );
        count.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
        Assert.That(await count.ExecuteScalarAsync(), Is.EqualTo(1L), "one link, one event");
    }

    [Test]
    public async Task While_a_request_runs_its_key_is_refused_at_once_and_afterwards_replays_or_is_a_422()
    {
        var (_, client) = await Hub.CreateTenantAsync("key in use");
        var body = new
        {
            type = "sms",
            name = "gateway",
            brand = "Namshi",
        };
        // Another request under the same key.
        var other = new
        {
            type = "x",
            name = "other",
            brand = "Namshi",
        };
        await ExecuteAsync(
            $"""
            create function test_hold_recording() returns trigger language plpgsql as $$
            begin
                perform pg_advisory_xact_lock({Gate});
                return new;
            end $$;
            create trigger test_hold_recording before insert on idempotency_keys
                for each row when (new.key like 'hold-%') execute function test_hold_recording();
            """
        );
        try
        {
            await using var gate = new NpgsqlConnection(ConnectionString);
            await gate.OpenAsync();
            await using (var close = new NpgsqlCommand($"select pg_advisory_lock({Gate})", gate))
            {
                await close.ExecuteNonQueryAsync();
            }

            var first = client.SendAsync(Post("/v1/channels", body, "hold-1"));
            await Eventually.Until(
                async () =>
                {
                    await using var waiting = new NpgsqlCommand(
                        "select count(*) from pg_stat_activity where wait_event = 'advisory' and query like "
                            + "'%insert into idempotency_keys%'",
                        gate
                    );
                    return (long)(await waiting.ExecuteScalarAsync())!;
                },
                n => n == 1,
                what: "the first request to wait, its channel made, its answer not yet recorded"
            );

            await HubApi.ReadProblem(
                await client.SendAsync(Post("/v1/channels", body, "hold-1")),
                HttpStatusCode.Conflict,
                "idempotency-key-in-use"
            );
            await HubApi.ReadProblem(
                await client.SendAsync(Post("/v1/channels", other, "hold-1")),
                HttpStatusCode.Conflict,
                "idempotency-key-in-use"
            );
            Assert.That(first.IsCompleted, Is.False, "both were answered while the first still ran");

            await using (var open = new NpgsqlCommand($"select pg_advisory_unlock({Gate})", gate))
            {
                await open.ExecuteNonQueryAsync();
            }

            var created = await HubApi.ReadJson(await first, HttpStatusCode.Created);
            using var retry = await client.SendAsync(Post("/v1/channels", body, "hold-1"));
            Assert.Multiple(async () =>
            {
                Assert.That(
                    (await HubApi.ReadJson(retry, HttpStatusCode.Created))["id"]!.GetValue<Guid>(),
                    Is.EqualTo(created["id"]!.GetValue<Guid>())
                );
                Assert.That(retry.Headers.GetValues("Idempotent-Replayed").Single(), Is.EqualTo("true"));
            });
            await HubApi.ReadProblem(
                await client.SendAsync(Post("/v1/channels", other, "hold-1")),
                HttpStatusCode.UnprocessableEntity,
                "idempotency-key-reused"
            );
        }
        finally
        {
            await ExecuteAsync(
                "drop trigger test_hold_recording on idempotency_keys; drop function test_hold_recording()"
            );
        }
    }
}
