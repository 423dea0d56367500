namespace SocialCare.Contracts;

/// <summary>The stable wire name of an event (<c>engagement.received</c>): the webhook <c>type</c>, the changefeed
/// <c>type</c> and the exchange suffix.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class EventTypeAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
