using SocialCare.Contracts;

namespace SocialCare.Api.Authorization;

public static class Actors
{
    public const string PersonHeader = "X-Actor";

    /// <summary>The department app behind the request (its key's name) and the person it names in <c>X-Actor</c>, if
    /// any.</summary>
    public static EventActor FromRequest(HttpContext context)
    {
        string? person = context.Request.Headers[PersonHeader];
        person = string.IsNullOrWhiteSpace(person) ? null : person.Trim();
        if (person is { Length: > 200 })
        {
            person = person[..200];
        }

        return new EventActor(ActorKinds.App, context.User.KeyId(), context.User.KeyName(), person, null);
    }
}
