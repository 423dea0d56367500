using System.Reflection;
using MassTransit;
using SocialCare.Contracts;

namespace SocialCare.Api.Infrastructure.Messaging;

/// <summary>
/// Exchange names a consumer in any language can guess: <c>socialcare.events</c> for every event (the
/// <see cref="HubEvent"/> base type) and <c>socialcare.&lt;event type&gt;</c> for one type, e.g.
/// <c>socialcare.engagement.received</c>, and <c>socialcare.reply.progress</c> for every
/// reply.sent/delivered/read/failed.
/// Other message types keep MassTransit's default names.
/// </summary>
internal sealed class HubEntityNameFormatter(IEntityNameFormatter fallback) : IEntityNameFormatter
{
    public const string AllEventsExchange = "socialcare.events";
    public const string Prefix = "socialcare.";

    public string FormatEntityName<T>() =>
        typeof(T) == typeof(HubEvent) ? AllEventsExchange
        : typeof(T) == typeof(ReplyProgress) ? Prefix + "reply.progress"
        : typeof(T).GetCustomAttribute<EventTypeAttribute>() is { } type ? Prefix + type.Name
        : fallback.FormatEntityName<T>();
}
