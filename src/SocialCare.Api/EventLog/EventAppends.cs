using System.Data.Common;
using JasperFx.Events;
using Marten.Events;
using NpgsqlTypes;
using Weasel.Core;
using Weasel.Storage;

namespace SocialCare.Api.EventLog;

/// <summary>
/// Every event one transaction appends, as one statement queued in its Marten session: the streams' rows in
/// <c>mt_streams</c> inserted or moved to their new version, and the events' rows in <c>mt_events</c> numbered from
/// Marten's sequence in the order they were appended, in Marten's row format (its type names and stream type aliases
/// from the <see cref="EventGraph"/>, bodies by its serializer), so Marten reads them as its own.
/// <para>
/// Marten's own Quick append calls <c>mt_quick_append_events</c> once per stream: four PL/pgSQL statements per stream,
/// and per event an insert of its own. Ingestion appends to a stream per engagement, and that cost more CPU than any
/// other step of an ingestion (docs/architecture.md, "What the Marten write path costs"); one set-based statement per
/// transaction does the same work for a fraction.
/// </para> It runs after the numbering lock and the version check (<see cref="EventWriter"/>), so it cannot fail
/// half-way through its numbers on a stale version, and it relies on them: it checks no version itself.
/// </summary>
internal sealed class EventAppends(IReadOnlyList<StreamAppend> appends, EventGraph graph, Marten.ISerializer serializer)
    : Marten.Internal.Operations.IStorageOperation,
        NoDataReturnedCall
{
    // Volatile expressions are evaluated after the sort, so numbers are taken in append order (ord).
    private const string Sql = """
        with appended as (
            insert into mt_streams as s (id, tenant_id, type, version, timestamp)
            select id, tenant, type, count, now()
            from unnest({0}::uuid[], {1}::varchar[], {2}::varchar[], {3}::bigint[]) as a(id, tenant, type, count)
            on conflict (tenant_id, id) do update set version = s.version + excluded.version, timestamp = now()
            returning s.id, s.tenant_id, s.version)
        insert into mt_events (seq_id, id, stream_id, version, data, type, tenant_id, timestamp, mt_dotnet_type,
            is_archived, headers)
        select nextval('mt_events_sequence'), e.id, e.stream, a.version - e.from_end, e.data, e.type, a.tenant_id,
            now(), e.dotnet_type, false, e.headers
        from unnest({4}::uuid[], {5}::uuid[], {6}::bigint[], {7}::jsonb[], {8}::varchar[], {9}::varchar[],
            {10}::jsonb[]) with ordinality as e(id, stream, from_end, data, type, dotnet_type, headers, ord)
        join appended a on a.id = e.stream
        order by e.ord
        """;

    public Type DocumentType => typeof(IEvent);

    public void ConfigureCommand(Weasel.Postgresql.ICommandBuilder builder, IStorageSession session)
    {
        // Per stream: its tenant, type and how many events it gets, in the order first appended to.
        var streams = new Dictionary<Guid, (string Tenant, string Type, long Count)>();
        foreach (var append in appends)
        {
            var known = streams.TryGetValue(append.StreamId, out var stream)
                ? stream
                : (
                    Tenant: MartenEventStore.TenantOf(append.WorkspaceId),
                    Type: graph.AggregateAliasFor(append.StreamType),
                    Count: 0L
                );
            streams[append.StreamId] = known with { Count = known.Count + append.Events.Count };
        }

        var count = appends.Sum(a => a.Events.Count);
        var ids = new Guid[count];
        var streamIds = new Guid[count];
        var fromEnd = new long[count];
        var bodies = new string[count];
        var types = new string[count];
        var dotnetTypes = new string[count];
        var headers = new string?[count];
        var taken = new Dictionary<Guid, long>();
        var at = 0;
        foreach (var append in appends)
        {
            foreach (var e in append.Events)
            {
                var mapping = graph.EventMappingFor(e.GetType());
                var position = taken[append.StreamId] = taken.GetValueOrDefault(append.StreamId) + 1;
                ids[at] = e.EventId;
                streamIds[at] = append.StreamId;
                // The event's version is the stream's new version less the events appended to it after this one.
                fromEnd[at] = streams[append.StreamId].Count - position;
                bodies[at] = serializer.ToJson(e);
                types[at] = mapping.EventTypeName;
                dotnetTypes[at] = mapping.DotNetTypeName;
                headers[at] = HeadersOf(append.Trace);
                at++;
            }
        }

        // The conjoined tenant is the stream's (a stream belongs to one workspace), so the events take it from the
        // stream row they join.
        var parameters = new Action[]
        {
            () => builder.AppendParameter(streams.Keys.ToArray()),
            () => builder.AppendParameter(streams.Values.Select(s => s.Tenant).ToArray()),
            () => builder.AppendParameter(streams.Values.Select(s => s.Type).ToArray()),
            () => builder.AppendParameter(streams.Values.Select(s => s.Count).ToArray()),
            () => builder.AppendParameter(ids),
            () => builder.AppendParameter(streamIds),
            () => builder.AppendParameter(fromEnd),
            () => builder.AppendParameter(bodies, NpgsqlDbType.Array | NpgsqlDbType.Jsonb),
            () => builder.AppendParameter(types),
            () => builder.AppendParameter(dotnetTypes),
            () => builder.AppendParameter(headers, NpgsqlDbType.Array | NpgsqlDbType.Jsonb),
        };
        var text = Sql;
        for (var i = 0; i < parameters.Length; i++)
        {
            var placeholder = "{" + i + "}";
            var split = text.IndexOf(placeholder, StringComparison.Ordinal);
            builder.Append(text[..split]);
            parameters[i]();
            text = text[(split + placeholder.Length)..];
        }

        builder.Append(text);
    }

    /// <summary>The event's metadata as Marten keeps it (its <c>headers</c>): the trace it was caused in.</summary>
    private static string? HeadersOf(Infrastructure.Telemetry.EventTrace? trace)
    {
        if (trace is null)
        {
            return null;
        }

        var headers = new Dictionary<string, string>
        {
            [Infrastructure.Telemetry.EventTrace.TraceParentName] = trace.TraceParent,
        };
        if (trace.TraceState is { Length: > 0 } state)
        {
            headers[Infrastructure.Telemetry.EventTrace.TraceStateName] = state;
        }

        return System.Text.Json.JsonSerializer.Serialize(headers);
    }

    public Task PostprocessAsync(DbDataReader reader, IList<Exception> exceptions, CancellationToken token) =>
        Task.CompletedTask;

    public OperationRole Role() => OperationRole.Other;
}
