using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SocialCare.Api.Authorization;
using SocialCare.Api.Channels;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Abuse;

/// <summary>
/// What the abuse suite attacks from and what it must never reach: the attacker's workspace (brand Alpha, and brand
/// Beta that a brand-limited key may not see) and a victim workspace, each holding one resource of every kind a route
/// names (channel, conversation, customer, reply, subscription, delivery, workspace, API key), and keys of every sort.
/// The victim's and brand Beta's resources carry markers no answer to the attacker may contain.
/// </summary>
public sealed class AbuseWorld : IAsyncDisposable
{
    public const string AlphaBrand = "Alpha";

    private readonly List<HttpClient> _clients = [];
    private readonly Dictionary<string, HttpClient> _lackingScope = [];
    private WebhookReceiver _receiver = null!;
    private NpgsqlConnection _database = null!;

    private AbuseWorld(HubFactory hub) => Hub = hub;

    public HubFactory Hub { get; }

    public string VictimMarker { get; } = $"victim-{Guid.NewGuid():N}";

    public string BetaMarker { get; } = $"beta-{Guid.NewGuid():N}";

    public string BetaBrand => "Beta " + BetaMarker;

    public Tenant Attacker { get; private set; } = null!;

    public Tenant Victim { get; private set; } = null!;

    /// <summary>Brand Beta's resources in the attacker's workspace, by kind.</summary>
    public Dictionary<string, Guid> Beta { get; private set; } = null!;

    /// <summary>A second customer of the attacker's, for bodies that name one (a merge).</summary>
    public Guid OtherCustomer { get; private set; }

    public HttpClient Admin { get; private set; } = null!;

    public HttpClient Anonymous { get; private set; } = null!;

    /// <summary>A key of the attacker's workspace with every scope, limited to brand Alpha.</summary>
    public HttpClient AlphaOnly { get; private set; } = null!;

    public HttpClient Revoked { get; private set; } = null!;

    /// <summary>Per connector type, the attacker's channel account that takes its webhooks, and the settings stored on
    /// it.</summary>
    public IReadOnlyDictionary<string, (Guid ChannelId, IReadOnlyDictionary<string, string> Settings)> HookChannels
    {
        get;
        private set;
    } = null!;

    /// <summary>A key of the attacker's workspace with every scope but <paramref name="scope"/>.</summary>
    public HttpClient Lacking(string scope) => _lackingScope[scope];

    public HttpClient WithKey(string key)
    {
        var client = Hub.ClientWithKey(key);
        _clients.Add(client);
        return client;
    }

    public static async Task<AbuseWorld> ArrangeAsync(HubFactory hub)
    {
        var world = new AbuseWorld(hub);
        world._receiver = await WebhookReceiver.StartAsync();
        world.Admin = world.WithKey(HubFactory.AdminKey);
        world.Anonymous = hub.CreateClient();
        world._clients.Add(world.Anonymous);
        world.Attacker = await world.TenantAsync("abuse attacker", AlphaBrand, "attacker");
        world.Victim = await world.TenantAsync(
            "abuse " + world.VictimMarker,
            "Victim " + world.VictimMarker,
            world.VictimMarker
        );
        world.Beta = await BrandAsync(world.Attacker, world.BetaBrand, world.BetaMarker, "+971500000003");
        // That customer has Beta's conversations only, so a key limited to Alpha must not reach it; nor a subscription
        // of Beta.
        world.Beta["subscriptions"] = (
            await HubApi.ReadJson(
                await world.Attacker.Client.PostAsJsonAsync(
                    "/v1/subscriptions",
                    new
                    {
                        url = world._receiver.Url($"/{world.BetaMarker}"),
                        brands = new[] { world.BetaBrand },
                        description = world.BetaMarker,
                    }
                ),
                HttpStatusCode.Created
            )
        )["id"]!.GetValue<Guid>();
        world.OtherCustomer = (
            await world.Attacker.Client.IngestAsync(
                HubApi.Engagement(world.Attacker.Ids["channels"], "abuse-other", "+971500000002")
            )
        )["customerId"]!.GetValue<Guid>();

        world.AlphaOnly = world.WithKey(
            (await hub.CreateKeyAsync(world.Attacker.WorkspaceId, "alpha only", [.. Scopes.All], [AlphaBrand])).Key
        );
        var (revokedId, revokedKey) = await hub.CreateKeyAsync(world.Attacker.WorkspaceId, "revoked", [.. Scopes.All]);
        var revoked = await world.Admin.DeleteAsync(
            $"/v1/workspaces/{world.Attacker.WorkspaceId}/api-keys/{revokedId}"
        );
        Assert.That(revoked.StatusCode, Is.EqualTo(HttpStatusCode.NoContent), "the key was revoked");
        world.Revoked = world.WithKey(revokedKey);
        foreach (var scope in Scopes.All)
        {
            var (_, key) = await hub.CreateKeyAsync(
                world.Attacker.WorkspaceId,
                $"lacks {scope}",
                [.. Scopes.All.Where(s => s != scope)]
            );
            world._lackingScope[scope] = world.WithKey(key);
        }

        world.HookChannels = await world.HookChannelsAsync();
        world._database = new NpgsqlConnection(TestRun.ConnectionString);
        await world._database.OpenAsync();
        return world;
    }

    /// <summary>Events of the two workspaces: what no refused request may change.</summary>
    public async Task<long> CountEventsAsync()
    {
        await using var command = new NpgsqlCommand(
            "select count(*) from mt_events where tenant_id = any($1)",
            _database
        );
        command.Parameters.Add(
            new NpgsqlParameter { Value = new[] { Attacker.WorkspaceId.ToString(), Victim.WorkspaceId.ToString() } }
        );
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<Tenant> TenantAsync(string name, string brand, string marker)
    {
        var workspaceId = await Hub.CreateWorkspaceAsync(name);
        var (keyId, key) = await Hub.CreateKeyAsync(workspaceId, $"{marker} app", [.. Scopes.All]);
        var client = WithKey(key);
        var tenant = new Tenant(
            workspaceId,
            client,
            new Dictionary<string, Guid> { ["workspaces"] = workspaceId, ["api-keys"] = keyId }
        );
        foreach (var (kind, id) in await BrandAsync(tenant, brand, marker))
        {
            tenant.Ids[kind] = id;
        }

        var subscription = await HubApi.ReadJson(
            await client.PostAsJsonAsync(
                "/v1/subscriptions",
                new
                {
                    url = _receiver.Url($"/{marker}"),
                    eventTypes = new[] { "*" },
                    description = marker,
                }
            ),
            HttpStatusCode.Created
        );
        tenant.Ids["subscriptions"] = subscription["id"]!.GetValue<Guid>();
        await HubApi.ReadJson(
            await client.PostAsJsonAsync(
                $"/v1/conversations/{tenant.Ids["conversations"]}/notes",
                new { text = marker }
            ),
            HttpStatusCode.OK
        );
        var deliveries = await Eventually.Until(
            async () =>
                await HubApi.ReadJson(
                    await client.GetAsync($"/v1/subscriptions/{tenant.Ids["subscriptions"]}/deliveries"),
                    HttpStatusCode.OK
                ),
            page =>
                page["items"]!.AsArray().Count > 0
                && page["items"]!.AsArray().All(d => d!["status"]!.GetValue<string>() == "delivered"),
            what: $"{marker}'s webhook delivery to be delivered"
        );
        tenant.Ids["deliveries"] = deliveries["items"]![0]!["id"]!.GetValue<Guid>();
        return tenant;
    }

    /// <summary>A channel, a conversation with its customer, and a reply, of <paramref name="brand"/>.</summary>
    private static async Task<Dictionary<string, Guid>> BrandAsync(
        Tenant tenant,
        string brand,
        string marker,
        string customer = "+971500000001"
    )
    {
        var channelId = await HubApi.ReadJson(
            await tenant.Client.PostAsJsonAsync(
                "/v1/channels",
                new
                {
                    type = "sms",
                    name = marker,
                    brand,
                    settings = new { note = marker },
                }
            ),
            HttpStatusCode.Created
        );
        var channel = channelId["id"]!.GetValue<Guid>();
        var ingested = await tenant.Client.IngestAsync(
            HubApi.Engagement(channel, $"{marker}-1", customer, $"{marker} says hello", displayName: marker)
        );
        var conversation = ingested["conversationId"]!.GetValue<Guid>();
        var reply = await HubApi.ReadJson(
            await tenant.Client.PostAsJsonAsync($"/v1/conversations/{conversation}/replies", new { text = marker }),
            HttpStatusCode.Accepted
        );
        return new Dictionary<string, Guid>
        {
            ["channels"] = channel,
            ["conversations"] = conversation,
            ["customers"] = ingested["customerId"]!.GetValue<Guid>(),
            ["replies"] = reply["replyId"]!.GetValue<Guid>(),
        };
    }

    private async Task<Dictionary<string, (Guid, IReadOnlyDictionary<string, string>)>> HookChannelsAsync()
    {
        var channels = new Dictionary<string, (Guid, IReadOnlyDictionary<string, string>)>();
        foreach (var connector in Hub.Services.GetServices<IChannelConnector>())
        {
            var settings = connector.HookSettings.ToDictionary(s => s, s => $"{s}-abuse");
            var created = await HubApi.ReadJson(
                await Attacker.Client.PostAsJsonAsync(
                    "/v1/channels",
                    new
                    {
                        type = connector.Type,
                        name = $"{connector.Type} hooks",
                        brand = AlphaBrand,
                        settings,
                    }
                ),
                HttpStatusCode.Created
            );
            channels[connector.Type] = (created["id"]!.GetValue<Guid>(), settings);
        }

        return channels;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        await _receiver.DisposeAsync();
        await _database.DisposeAsync();
    }
}

/// <summary>A workspace, a client with a key holding every scope, and its resources by the route segment that names
/// them.</summary>
public sealed record Tenant(Guid WorkspaceId, HttpClient Client, Dictionary<string, Guid> Ids);
