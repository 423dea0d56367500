using System.Reflection;
using System.Text.Json.Serialization.Metadata;
using SocialCare.Api.Authorization;
using SocialCare.Api.EventLog;

namespace SocialCare.Api.Privacy;

/// <summary>
/// The API's answers to a key without <c>pii:read</c>: pseudonymous. A middleware sets the request's view after
/// authentication; the JSON contract of every model field declared <c>[Pii]</c> reads through it, so that each read
/// model, list and command answer is redacted where it is written out, whatever endpoint wrote it.
/// </summary>
public static class ReadRedaction
{
    private static readonly AsyncLocal<PiiView?> Current = new();

    /// <summary>The view of the request being answered; null when it may see everything.</summary>
    public static PiiView? View => Current.Value;

    /// <summary>Whether the caller may see customers' personal data in full: an admin, or a key with
    /// <c>pii:read</c>.</summary>
    public static bool SeesPii(this System.Security.Claims.ClaimsPrincipal user) =>
        user.IsAdmin() || user.Scopes().Contains(Scopes.PiiRead);

    /// <summary>Reads every <c>[Pii]</c> field of the API's models through the request's view.</summary>
    public static void Modify(JsonTypeInfo type)
    {
        if (type.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }

        foreach (var property in type.Properties)
        {
            if (
                property.Get is not { } get
                || PiiFields.Of(property.AttributeProvider as MemberInfo, type.Type, property.Name) is not { } category
            )
            {
                continue;
            }

            property.Get = owner => Current.Value is { } view ? view.Apply(category, get(owner)) : get(owner);
        }
    }

    /// <summary>Sets the view for the rest of the request of an authenticated workspace key without
    /// <c>pii:read</c>.</summary>
    public static IApplicationBuilder UseReadRedaction(this IApplicationBuilder app) =>
        app.Use(
            async (context, next) =>
            {
                if (context.User.WorkspaceId() is { } workspaceId && !context.User.SeesPii())
                {
                    var pseudonyms = context.RequestServices.GetRequiredService<Pseudonyms>();
                    Current.Value = PiiView.Pseudonymous(
                        await pseudonyms.ForAsync(workspaceId, context.RequestAborted)
                    );
                }

                await next(context);
            }
        );
}
