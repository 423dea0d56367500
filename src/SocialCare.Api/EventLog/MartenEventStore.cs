using JasperFx;
using JasperFx.Events;
using JasperFx.MultiTenancy;
using Marten;
using Weasel.Core;

namespace SocialCare.Api.EventLog;

/// <summary>
/// Marten's event store, as the hub uses it (docs/architecture.md, "The event log"):
/// <list type="bullet">
/// <item><see cref="EventAppendMode.Quick"/> mode, whose schema (migration 0023) is what Marten checks the database
/// against; the hub itself appends a whole transaction's events in one statement (<see cref="EventAppends"/>) rather
/// than through Marten's per-stream append function, and checks expected versions beforehand
/// (<see cref="EventWriter"/>);</item>
/// <item>the workspace is the Marten tenant (<see cref="TenancyStyle.Conjoined"/>): <c>mt_events.tenant_id</c> is the
/// workspace id, which the changefeed's index and every read filter on, and a stream belongs to one workspace;</item>
/// <item>event type names are the contract's (<c>engagement.received</c>, …) from <see cref="EventTypeRegistry"/>, and
/// bodies are serialised with its JSON options, so the stored JSON is what subscribers receive;</item>
/// <item>event ids are unique across the log (the broker's message id and the webhook id).</item>
/// </list> The schema is not created by Marten at run time: migration 0023 holds Marten's DDL for this configuration
/// (and moves an existing log into it), and a test checks that Marten finds the migrated database matching this
/// configuration.
/// </summary>
public static class MartenEventStore
{
    /// <summary>Indexes of ours on <c>mt_events</c> (migration 0023), which Marten must leave alone.</summary>
    public static readonly IReadOnlyList<string> OwnIndexes =
    [
        "mt_events_workspace_seq",
        "mt_events_workspace_brand_seq",
    ];

    public static void Configure(StoreOptions options)
    {
        options.AutoCreateSchemaObjects = AutoCreate.None;
        options.DatabaseSchemaName = "public";
        options.UseSystemTextJsonForSerialization(EventTypeRegistry.Json, EnumStorage.AsInteger, Casing.CamelCase);
        options.Events.AppendMode = EventAppendMode.Quick;
        options.Events.TenancyStyle = TenancyStyle.Conjoined;
        options.Events.StreamIdentity = StreamIdentity.AsGuid;
        options.Events.EnableUniqueIndexOnEventId = true;
        // The trace each event was caused in (migration 0037; Infrastructure/Telemetry/EventTrace).
        options.Events.MetadataConfig.HeadersEnabled = true;
        foreach (var (name, type) in EventTypeRegistry.All)
        {
            options.Events.MapEventType(type, name);
        }

        foreach (var index in OwnIndexes)
        {
            options.Events.IgnoreIndex(index);
        }
    }

    /// <summary>Marten's tenant id for a workspace.</summary>
    public static string TenantOf(Guid workspaceId) => workspaceId.ToString();
}
