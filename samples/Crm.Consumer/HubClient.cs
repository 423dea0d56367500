using SocialCare.Client;
using SocialCare.Client.Models;

namespace Crm.Consumer;

/// <summary>Who the CRM is to the hub, learnt once at start-up from its key.</summary>
public sealed class HubIdentity
{
    public Guid WorkspaceId { get; set; }

    /// <summary>The key's name: the hub files the CRM's context under it.</summary>
    public string Namespace { get; set; } = string.Empty;
}

/// <summary>The hub's REST API, as far as the CRM uses it, through the generated client
/// (contracts/SocialCare.Client).</summary>
public sealed class HubClient(HttpClient http, CrmOptions options, HubIdentity identity)
{
    private readonly SocialCareClient _hub = SocialCareClientFactory.Create(
        new Uri(options.HubUrl),
        options.ApiKey,
        http
    );

    public Guid WorkspaceId => identity.WorkspaceId;

    public async Task LearnWorkspaceAsync(CancellationToken ct)
    {
        var me = await _hub.V1.Me.GetAsync(cancellationToken: ct);
        identity.WorkspaceId = me?.Workspace?.Id ?? throw new InvalidOperationException("/v1/me names no workspace.");
        identity.Namespace = me.KeyName ?? string.Empty;
    }

    /// <summary>The segment in the CRM's context on the conversation now, or null when it has none or the conversation
    /// is not ours.</summary>
    public async Task<string?> SegmentAsync(Guid conversationId, CancellationToken ct)
    {
        try
        {
            var conversation = await _hub.V1.Conversations[conversationId].GetAsync(cancellationToken: ct);
            return conversation?.Context?.Get(identity.Namespace)?["segment"]?.GetValue<string>();
        }
        catch (Problem problem) when (problem.ResponseStatusCode == 404)
        {
            return null;
        }
    }

    /// <summary>Writes the CRM's facts onto the conversation; the event id as Idempotency-Key makes a redelivered event
    /// harmless.</summary>
    public async Task WriteContextAsync(
        Guid conversationId,
        Guid eventId,
        IReadOnlyDictionary<string, object?> values,
        CancellationToken ct
    )
    {
        // Kiota types free-form values as non-null objects, and writes a null one as JSON null.
        var body = new ContextRequest
        {
            Values = new ContextRequest_values { AdditionalData = values.ToDictionary(v => v.Key, v => v.Value!) },
        };
        await _hub
            .V1.Conversations[conversationId]
            .Context.PostAsync(body, r => r.WithIdempotencyKey($"crm-{eventId}"), ct);
    }

    /// <summary>Hangs the CRM's escalation case on the conversation; the breach's event id as Idempotency-Key makes a
    /// redelivered event harmless.</summary>
    public async Task LinkAsync(Guid conversationId, Guid eventId, string caseId, CancellationToken ct) =>
        await _hub
            .V1.Conversations[conversationId]
            .Links.PostAsync(
                new LinkRequest
                {
                    System = "crm",
                    RecordType = "escalation",
                    RecordId = caseId,
                    Url = $"https://crm.example.com/escalations/{caseId}",
                },
                r => r.WithIdempotencyKey($"crm-escalation-{eventId}"),
                ct
            );
}
