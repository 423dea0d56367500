namespace SocialCare.Contracts;

/// <summary>
/// Who caused an event. <see cref="Kind"/> is <c>app</c> (an API key: <see cref="Name"/> is the key's name, the
/// department app), <c>platform</c> (a channel's webhook) or <c>system</c> (the hub's own rules).
/// <see cref="Person"/> is the optional person id an app passes in the <c>X-Actor</c> header.
/// </summary>
public sealed record EventActor(string Kind, string? KeyId, string? Name, string? Person)
{
    public static EventActor System { get; } = new("system", null, "socialcare-hub", null);
}
