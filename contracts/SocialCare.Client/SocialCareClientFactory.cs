using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary;

namespace SocialCare.Client;

/// <summary>
/// A <see cref="SocialCareClient"/> for one hub and one API key. The generated client knows the operations; this says
/// where the hub is and how it authenticates: <c>Authorization: Bearer &lt;key&gt;</c> on every request.
/// </summary>
public static class SocialCareClientFactory
{
    /// <summary>The client for <paramref name="baseUrl"/> that sends <paramref name="apiKey"/>.</summary>
    /// <param name="baseUrl">The hub's origin, e.g. <c>http://127.0.0.1:8080</c>. Always given: the document's server
    /// URL is a template (<c>{origin}</c>) that Kiota does not expand.</param>
    /// <param name="apiKey">A workspace or admin key; null for the operations that take none (platform webhooks,
    /// health).</param>
    /// <param name="http">The <see cref="HttpClient"/> to send with, e.g. one from <c>IHttpClientFactory</c>; its
    /// owner disposes it. Without one, Kiota's own (with its retry, redirect and header middleware) lives as long as
    /// the process.</param>
    public static SocialCareClient Create(Uri baseUrl, string? apiKey, HttpClient? http = null) =>
        new(CreateRequestAdapter(baseUrl, apiKey, http));

    /// <summary>The adapter a client sends through, for a request its builders describe but whose body must go as
    /// given bytes (a platform webhook, whose signature covers them): <c>ToPostRequestInformation</c>, then
    /// <c>SetStreamContent</c>, then <c>SendAsync</c> on this.</summary>
    public static HttpClientRequestAdapter CreateRequestAdapter(Uri baseUrl, string? apiKey, HttpClient? http = null)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        IAuthenticationProvider authentication = apiKey is null
            ? new AnonymousAuthenticationProvider()
            : new BearerKeyAuthentication(apiKey);
        return new HttpClientRequestAdapter(authentication, httpClient: http)
        {
            BaseUrl = baseUrl.ToString().TrimEnd('/'),
        };
    }
}
