using System.Net;
using System.Net.Http.Json;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Privacy;

/// <summary>
/// Receipts from bus consumers (issue 20, point 5): a registered consumer learns of the erasure on RabbitMQ, is
/// reminded before the deadline and once it has passed, and only its own key (or one with erasures:confirm) confirms.
/// </summary>
public sealed class Erasure_receipts : HubFixture
{
    protected override bool OwnDatabase => true;

    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>
        {
            // The reminder's window (between the first offset and the deadline) is wide enough that a loaded machine's
            // stall of a few seconds between two passes does not skip it (a skipped one is sent as the overdue one).
            ["Privacy:ReceiptDeadline"] = "00:00:08",
            ["Privacy:ReceiptReminders:0"] = "00:00:04",
            ["Privacy:PollInterval"] = "00:00:00.200",
        };

    [Test]
    public async Task A_bus_consumer_is_told_reminded_and_confirms_with_its_own_key()
    {
        var (workspaceId, admin) = await Hub.CreateTenantAsync("receipts");
        using (admin)
        {
            var (_, crmKey) = await Hub.CreateKeyAsync(workspaceId, "crm", ["subscriptions:manage"]);
            var (_, otherKey) = await Hub.CreateKeyAsync(workspaceId, "billing", ["subscriptions:manage"]);
            using var crm = Hub.ClientWithKey(crmKey);
            using var billing = Hub.ClientWithKey(otherKey);
            var registered = await HubApi.ReadJson(
                await crm.PutAsJsonAsync("/v1/bus-consumers/crm-worker", new { description = "CRM sync" }),
                HttpStatusCode.OK
            );
            Assert.That(registered["name"]!.GetValue<string>(), Is.EqualTo("crm-worker"));
            await HubApi.ReadProblem(
                await crm.PutAsJsonAsync("/v1/bus-consumers/Not A Name!", new { description = "x" }),
                HttpStatusCode.BadRequest,
                "bad-request"
            );
            // Another department's key can neither take the consumer over nor remove it.
            await HubApi.ReadProblem(
                await billing.PutAsJsonAsync("/v1/bus-consumers/crm-worker", new { description = "mine now" }),
                HttpStatusCode.Forbidden,
                "forbidden"
            );
            await HubApi.ReadProblem(
                await billing.DeleteAsync("/v1/bus-consumers/crm-worker"),
                HttpStatusCode.Forbidden,
                "forbidden"
            );

            await using var bus = await RabbitTap.BindAsync("socialcare.customer.erased");
            var channel = await admin.CreateChannelAsync("app-chat", "Careem");
            var customer = (await admin.IngestAsync(HubApi.Engagement(channel, "m-1", "rider-1")))[
                "customerId"
            ]!.GetValue<Guid>();
            var erasure = (
                await HubApi.ReadJson(
                    await admin.PostAsync($"/v1/customers/{customer}/erasure", null),
                    HttpStatusCode.Accepted
                )
            )["erasure"]!;
            var erasureId = erasure["id"]!.GetValue<Guid>();
            Assert.That(
                erasure["parties"]!.ToJsonString(),
                Does.Contain("\"kind\":\"consumer\"").And.Contain("\"party\":\"crm-worker\"")
            );

            var told = (await bus.WaitForAsync(workspaceId, 1)).Single();
            Assert.That(
                told["consumers"]!.AsArray().Select(c => c!.GetValue<string>()),
                Is.EqualTo(new[] { "crm-worker" })
            );

            var reminders = await admin.WaitForEventsAsync(2, "erasure.reminder");
            Assert.Multiple(() =>
            {
                Assert.That(
                    reminders.Select(r => r!["data"]!["overdue"]!.GetValue<bool>()),
                    Is.EqualTo(new[] { false, true })
                );
                Assert.That(
                    reminders.Select(r => r!["data"]!["pendingConsumers"]![0]!.GetValue<string>()),
                    Is.All.EqualTo("crm-worker")
                );
            });

            await HubApi.ReadProblem(
                await billing.PostAsJsonAsync($"/v1/erasures/{erasureId}/receipts", new { consumer = "crm-worker" }),
                HttpStatusCode.Forbidden,
                "forbidden"
            );
            var done = await HubApi.ReadJson(
                await crm.PostAsJsonAsync($"/v1/erasures/{erasureId}/receipts", new { consumer = "crm-worker" }),
                HttpStatusCode.OK
            );
            Assert.That(done["status"]!.GetValue<string>(), Is.EqualTo("completed"));
            await admin.WaitForEventsAsync(1, "erasure.completed");
            var stillTwo = await admin.WaitForEventsAsync(2, "erasure.reminder");
            Assert.That(stillTwo, Has.Count.EqualTo(2), "no reminder after the last one, nor once completed");

            // With nobody left to confirm, an erasure is complete at once.
            Assert.That(
                (await crm.DeleteAsync("/v1/bus-consumers/crm-worker")).StatusCode,
                Is.EqualTo(HttpStatusCode.NoContent)
            );
            var next = (await admin.IngestAsync(HubApi.Engagement(channel, "m-2", "rider-2")))[
                "customerId"
            ]!.GetValue<Guid>();
            var alone = await HubApi.ReadJson(
                await admin.PostAsync($"/v1/customers/{next}/erasure", null),
                HttpStatusCode.Accepted
            );
            Assert.That(alone["erasure"]!["status"]!.GetValue<string>(), Is.EqualTo("completed"));
        }
    }
}
