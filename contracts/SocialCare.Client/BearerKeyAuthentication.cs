using Microsoft.Kiota.Abstractions;
using Microsoft.Kiota.Abstractions.Authentication;

namespace SocialCare.Client;

/// <summary>
/// The hub's API key as a bearer token. Kiota's own <c>ApiKeyAuthenticationProvider</c> refuses plain http, which a
/// hub on localhost (<c>./infra/dev.sh run</c>) or behind a TLS-terminating proxy speaks.
/// </summary>
internal sealed class BearerKeyAuthentication(string apiKey) : IAuthenticationProvider
{
    public Task AuthenticateRequestAsync(
        RequestInformation request,
        Dictionary<string, object>? additionalAuthenticationContext = null,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Headers.Add("Authorization", $"Bearer {apiKey}");
        return Task.CompletedTask;
    }
}
