using System.Net;
using System.Text.Json.Nodes;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Abuse;

/// <summary>
/// A table of bad requests run against every operation of the OpenAPI document the hub serves (so a route added later
/// is attacked without editing this suite): malformed, truncated, deep, oversized and wrongly typed bodies, NUL
/// characters, unpaired surrogates and invalid UTF-8, huge arrays, nulls and missing members, wrong Content-Types,
/// missing bodies, bad query strings and ids; missing, malformed, revoked and underprivileged keys; the ids of another
/// workspace and of another brand; forged and malformed platform webhooks. Every one must be answered with a 4xx
/// problem with a stable code, never a 5xx or a success, never with another workspace's or brand's data, and must leave
/// the event log of both workspaces as it was.
/// </summary>
public sealed partial class Abuse_suite : HubFixture
{
    private AbuseWorld _world = null!;
    private IReadOnlyList<ServedOperation> _operations = [];

    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>
        {
            ["RateLimiting:PermitsPerSecond"] = "1000000",
            ["RateLimiting:Burst"] = "1000000",
            // Hundreds of bad keys and hooks come from this one client: the limits per address are tested in
            // Boundary/Abuse_limits.
            ["RateLimiting:AuthFailuresPerAddressPerMinute"] = "1000000",
            ["RateLimiting:HooksPerAddressPerSecond"] = "1000000",
            ["RateLimiting:HandshakesPerAccountPerMinute"] = "1000000",
            ["Webhooks:AllowPrivateTargets"] = "true",
        };

    [OneTimeSetUp]
    public async Task ArrangeWorld()
    {
        _world = await AbuseWorld.ArrangeAsync(Hub);
        _operations = await ServedOperations.ReadAsync(Hub);
    }

    [OneTimeTearDown]
    public async Task DisposeWorld() => await _world.DisposeAsync();

    [Test]
    public async Task Malformed_bodies_query_strings_and_ids_are_4xx_problems_on_every_route()
    {
        var run = new AbuseRun(_world);
        foreach (var operation in _operations.Where(o => !o.IsHook))
        {
            var client = ClientFor(operation);
            var path = PathOf(operation, p => Own(operation, p));
            // An id that is no id names nothing. A name (a brand's) has no malformed form short of an overlong one,
            // which its resource's own tests refuse.
            foreach (
                var parameter in operation.PathParameters.Where(p => p.Schema["format"]?.GetValue<string>() == "uuid")
            )
            {
                await run.SendAsync(
                    operation,
                    $"malformed {parameter.Name}",
                    client,
                    new HttpRequestMessage(
                        new HttpMethod(operation.Method),
                        PathOf(operation, p => p == parameter ? "not-an-id" : Own(operation, p))
                    ),
                    HttpStatusCode.NotFound,
                    "not-found"
                );
            }

            foreach (var bad in BadRequests.Query(operation, path))
            {
                await run.SendAsync(operation, bad.Name, client, bad.Build(), bad.Status, bad.Codes);
            }

            if (operation.Body is not null)
            {
                foreach (var bad in BadRequests.Bodies(operation, path, Example(operation)))
                {
                    await run.SendAsync(operation, bad.Name, client, bad.Build(), bad.Status, bad.Codes);
                }
            }
        }

        Report(run, "bodies, query strings and ids");
    }

    [Test]
    public async Task Missing_malformed_revoked_and_underprivileged_keys_are_401_or_403_problems_on_every_route()
    {
        var run = new AbuseRun(_world);
        foreach (var operation in _operations.Where(o => !o.Access.Anonymous))
        {
            HttpRequestMessage Request(string? authorization = null)
            {
                var request = ValidRequest(operation);
                if (authorization is not null)
                {
                    request.Headers.TryAddWithoutValidation("Authorization", authorization);
                }

                return request;
            }

            foreach (
                var authorization in new[]
                {
                    "Bearer sch_not_a_key_0123456789abcdefghijklmnopqrst",
                    "Bearer",
                    "Basic YWRtaW46YWRtaW4=",
                    "sch_no_scheme",
                }
            )
            {
                await run.SendAsync(
                    operation,
                    $"Authorization: {authorization}",
                    _world.Anonymous,
                    Request(authorization),
                    HttpStatusCode.Unauthorized,
                    "unauthorized"
                );
            }

            await run.SendAsync(
                operation,
                "no key",
                _world.Anonymous,
                Request(),
                HttpStatusCode.Unauthorized,
                "unauthorized"
            );
            await run.SendAsync(
                operation,
                "revoked key",
                _world.Revoked,
                Request(),
                HttpStatusCode.Unauthorized,
                "unauthorized"
            );
            foreach (var scope in operation.Access.Scopes)
            {
                await run.SendAsync(
                    operation,
                    $"key without {scope}",
                    _world.Lacking(scope),
                    Request(),
                    HttpStatusCode.Forbidden,
                    "forbidden"
                );
            }

            if (operation.Access.AdminOnly)
            {
                await run.SendAsync(
                    operation,
                    "workspace key with every scope",
                    _world.Attacker.Client,
                    Request(),
                    HttpStatusCode.Forbidden,
                    "forbidden"
                );
            }

            if (operation.Access.WorkspaceOnly)
            {
                await run.SendAsync(
                    operation,
                    "admin key",
                    _world.Admin,
                    Request(),
                    HttpStatusCode.Forbidden,
                    "forbidden"
                );
            }
        }

        Report(run, "keys");
    }

    private HttpClient ClientFor(ServedOperation operation) =>
        operation.Access.AdminOnly ? _world.Admin : _world.Attacker.Client;

    /// <summary>The operation on the attacker's own resources with a plausible body: only what a case changes makes it
    /// bad.</summary>
    private HttpRequestMessage ValidRequest(ServedOperation operation, string? path = null, JsonNode? body = null)
    {
        var request = new HttpRequestMessage(
            new HttpMethod(operation.Method),
            path ?? PathOf(operation, p => Own(operation, p))
        );
        if (operation.Body is not null)
        {
            request.Content = HubApi.Json((body ?? Example(operation)).ToJsonString());
        }

        return request;
    }

    private JsonNode Example(ServedOperation operation) => RequestBodies.Example(operation.Body!, Hint);

    /// <summary>Values that make a member valid where a plain value of its type would not be.</summary>
    private JsonNode? Hint(string member) =>
        member switch
        {
            "visibility" => "private",
            "type" or "channelType" => "sms",
            "level" => "high",
            "minPriority" => "low",
            "status" => "sent",
            "url" => "https://example.com/abuse",
            "language" => "en",
            "text" or "reason" => "abuse",
            "brand" => AbuseWorld.AlphaBrand,
            "brands" => new JsonArray(AbuseWorld.AlphaBrand),
            "scopes" => new JsonArray("events:read"),
            "eventTypes" => new JsonArray("conversation.*"),
            "add" => new JsonArray("vip"),
            "mediaType" => "image/png",
            "channelId" => _world.Attacker.Ids["channels"].ToString(),
            "customerId" => _world.OtherCustomer.ToString(),
            "occurredAt" => DateTimeOffset.UtcNow.AddSeconds(-1),
            "ttlSeconds" or "fromSequence" => 60,
            _ => null,
        };

    /// <summary>The kind of resource a path parameter names: the segment before it (<c>/v1/channels/{id}</c> →
    /// channels).</summary>
    private static string Kind(ServedOperation operation, OperationParameter parameter)
    {
        var segments = operation.Path.Split('/');
        return segments[Array.IndexOf(segments, "{" + parameter.Name + "}") - 1];
    }

    private string Own(ServedOperation operation, OperationParameter parameter) =>
        _world.Attacker.Ids.TryGetValue(Kind(operation, parameter), out var id)
            ? id.ToString()
            : Guid.NewGuid().ToString();

    private static string PathOf(ServedOperation operation, Func<OperationParameter, string> value) =>
        operation.PathParameters.Aggregate(
            operation.Path,
            (path, p) => path.Replace("{" + p.Name + "}", value(p), StringComparison.Ordinal)
        );

    private static void Report(AbuseRun run, string what)
    {
        TestContext.Progress.WriteLine(run.Summary(what));
        Assert.That(run.Failures, Is.Empty, $"{run.Summary(what)}\n{string.Join('\n', run.Failures)}");
    }
}
