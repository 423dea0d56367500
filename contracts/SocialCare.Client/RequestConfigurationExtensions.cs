using Microsoft.Kiota.Abstractions;

namespace SocialCare.Client;

/// <summary>
/// The hub's protocol headers on a request. Kiota generates no parameters for header parameters, so the document's
/// <c>Idempotency-Key</c> goes in through the request configuration.
/// </summary>
public static class RequestConfigurationExtensions
{
    /// <summary>The same key makes a retried command harmless: the hub answers it once (docs/idempotency).</summary>
    public static void WithIdempotencyKey<T>(this RequestConfiguration<T> request, string key)
        where T : class, new()
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Headers.Add("Idempotency-Key", key);
    }
}
