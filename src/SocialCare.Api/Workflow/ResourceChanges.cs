using Microsoft.AspNetCore.Http.HttpResults;
using SocialCare.Api.Authorization;
using SocialCare.Api.EventLog;
using SocialCare.Api.Infrastructure;
using SocialCare.Api.Infrastructure.Problems;
using SocialCare.Contracts;

namespace SocialCare.Api.Workflow;

/// <summary>How a care-operations resource (a team, an SLA policy, a rule) is stored and answered, for <see
/// cref="ResourceChanges.ChangeAsync"/>.</summary>
/// <param name="Name">The resource in problem details: <c>team</c>, <c>SLA policy</c>, <c>rule</c>.</param>
/// <param name="StreamType">Its stream's type.</param>
/// <param name="LockAsync">Reads the live resource row-locked in the writer's transaction (workspace, id).</param>
/// <param name="VersionOf">Its version: the stream's, and the ETag.</param>
/// <param name="Save">Writes the resource as an event left it, at a version.</param>
/// <param name="Respond">The answer after an event, at a version, from the resource before it.</param>
public sealed record VersionedResource<TResource, TEvent>(
    string Name,
    Type StreamType,
    Func<EventWriter, Guid, Guid, CancellationToken, Task<TResource?>> LockAsync,
    Func<TResource, long> VersionOf,
    Action<EventWriter, Guid, TEvent, long> Save,
    Func<TEvent, long, TResource, TResource> Respond
)
    where TResource : class
    where TEvent : HubEvent;

/// <summary>
/// Changes a versioned resource on what it is now, the same way for every care-operations resource: honours
/// <c>If-Match</c> (400 when it is not an ETag), reads the resource row-locked in the transaction (so that concurrent
/// changes land one after the other and none is decided on a stale read; 404 when it is not there), answers 412 when
/// it is not at the version <c>If-Match</c> names, asks <c>check</c> whether the change may happen (a brand-limited
/// key's reach, names in use, what the change refers to), then appends the change to the resource's stream and saves
/// it.
/// </summary>
public static class ResourceChanges
{
    public static async Task<(TResource? Resource, ProblemHttpResult? Problem)> ChangeAsync<TResource, TEvent>(
        HttpContext http,
        EventStore events,
        VersionedResource<TResource, TEvent> resource,
        Guid id,
        Func<TResource, TEvent> change,
        Func<EventWriter, TResource, TEvent, Task<ProblemHttpResult?>> check,
        CancellationToken ct
    )
        where TResource : class
        where TEvent : HubEvent
    {
        if (!Preconditions.TryReadIfMatch(http, out var expected))
        {
            return (null, Preconditions.InvalidIfMatch(resource.Name));
        }

        var workspaceId = http.User.RequiredWorkspaceId();
        try
        {
            return await events.WriteAsync<(TResource?, ProblemHttpResult?)>(
                async writer =>
                {
                    if (await resource.LockAsync(writer, workspaceId, id, ct) is not { } current)
                    {
                        return (null, NotFound(resource.Name));
                    }

                    var version = resource.VersionOf(current);
                    if (expected is { } wanted && wanted != version)
                    {
                        return (null, Preconditions.Changed(resource.Name));
                    }

                    var decided = change(current);
                    if (await check(writer, current, decided) is { } refused)
                    {
                        return (null, refused);
                    }

                    writer.Append(id, resource.StreamType, workspaceId, version, [decided]);
                    resource.Save(writer, workspaceId, decided, version + 1);
                    return (resource.Respond(decided, version + 1, current), null);
                },
                ct
            );
        }
        catch (ConcurrencyException)
        {
            return (null, Preconditions.Changed(resource.Name));
        }
    }

    /// <summary>404 for the resource: also what a brand-limited key gets for one outside its brands.</summary>
    public static ProblemHttpResult NotFound(string name) => Problem.NotFound($"The {name}");
}
