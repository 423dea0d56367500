using System.Net;
using Npgsql;
using SocialCare.Api.Infrastructure.Health;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Infrastructure;

public sealed class Health_endpoints
{
    [Test]
    public async Task Ready_reports_both_dependencies_healthy()
    {
        await using var hub = await new HubFactory().StartAsync();
        using var client = hub.CreateClient();
        var live = await client.GetAsync("/health/live");
        var ready = await HubApi.ReadJson(await client.GetAsync("/health/ready"), HttpStatusCode.OK);
        Assert.Multiple(() =>
        {
            Assert.That(live.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(ready["checks"]!["postgres"]!["status"]!.GetValue<string>(), Is.EqualTo("Healthy"));
            Assert.That(ready["checks"]!["rabbitmq"]!["status"]!.GetValue<string>(), Is.EqualTo("Healthy"));
        });
    }

    [Test]
    public async Task Ready_says_rabbitmq_is_down_when_the_broker_cannot_be_reached()
    {
        // A port nothing listens on: the hub starts, PostgreSQL answers, the broker never does.
        await using var hub = new HubFactory(new Dictionary<string, string?> { ["RabbitMq:Port"] = "1" });
        using var client = hub.CreateClient();
        var response = await client.GetAsync("/health/ready");
        var body = await HubApi.ReadJson(response, HttpStatusCode.ServiceUnavailable);
        var live = await client.GetAsync("/health/live");
        Assert.Multiple(() =>
        {
            Assert.That(body["checks"]!["rabbitmq"]!["status"]!.GetValue<string>(), Is.Not.EqualTo("Healthy"));
            Assert.That(body["checks"]!["postgres"]!["status"]!.GetValue<string>(), Is.EqualTo("Healthy"));
            Assert.That(live.StatusCode, Is.EqualTo(HttpStatusCode.OK), "liveness does not depend on the broker");
        });
    }

    [Test]
    public async Task Postgres_check_is_unhealthy_when_the_database_does_not_answer()
    {
        await using var dataSource = NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Username=postgres;Timeout=2");
        var result = await new PostgresHealthCheck(dataSource).CheckHealthAsync(
            new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext()
        );
        Assert.That(result.Status, Is.EqualTo(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy));
        Assert.That(result.Description, Does.StartWith("PostgreSQL does not answer"));
    }

    [Test]
    public async Task Ready_tells_anonymous_callers_only_up_or_down_and_the_operator_why()
    {
        await using var hub = new HubFactory(new Dictionary<string, string?> { ["RabbitMq:Port"] = "1" });
        using var anonymous = hub.CreateClient();
        using var admin = hub.AdminClient();
        var outside = await HubApi.ReadJson(
            await anonymous.GetAsync("/health/ready"),
            HttpStatusCode.ServiceUnavailable
        );
        var inside = await HubApi.ReadJson(await admin.GetAsync("/health/ready"), HttpStatusCode.ServiceUnavailable);
        Assert.Multiple(() =>
        {
            Assert.That(
                outside["checks"]!["rabbitmq"]!.AsObject().Select(p => p.Key),
                Is.EqualTo(new[] { "status" }),
                "no exception text for anyone"
            );
            Assert.That(outside.ToJsonString(), Does.Not.Contain("127.0.0.1").And.Not.Contain(":1"));
            Assert.That(
                inside["checks"]!["postgres"]!["description"]!.GetValue<string>(),
                Is.EqualTo("PostgreSQL answers.")
            );
        });
    }
}
