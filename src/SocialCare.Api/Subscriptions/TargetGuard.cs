using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace SocialCare.Api.Subscriptions;

/// <summary>
/// Keeps webhooks from being aimed inside the hub's own network (SSRF): targets must be https and resolve only to
/// public addresses — not loopback, private, link-local (cloud metadata lives there), CGNAT or multicast.
/// <see cref="WebhookOptions.AllowPrivateTargets"/> lifts both rules for development and tests.
/// </summary>
public sealed class TargetGuard(IOptionsMonitor<WebhookOptions> options)
{
    /// <summary>Null when the URL may be used; otherwise why not.</summary>
    public async Task<string?> CheckAsync(string url, CancellationToken ct)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return "The URL is not absolute.";
        }

        if (options.CurrentValue.AllowPrivateTargets)
        {
            return null;
        }

        if (uri.Scheme != Uri.UriSchemeHttps)
        {
            return "Webhook URLs must use https.";
        }

        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(uri.DnsSafeHost, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(uri.DnsSafeHost, ct);
        }
        catch (SocketException)
        {
            return $"The host '{uri.Host}' does not resolve.";
        }

        return addresses.Length == 0 ? $"The host '{uri.Host}' does not resolve."
            : addresses.FirstOrDefault(IsInternal) is { } inside ? $"'{uri.Host}' resolves to {inside}, an internal address; webhooks go to public hosts only."
            : null;
    }

    public static bool IsInternal(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.IsIPv6LinkLocal
            || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.IsIPv6UniqueLocal)
        {
            return true;
        }

        if (address.AddressFamily != AddressFamily.InterNetwork)
        {
            return false;
        }

        var b = address.GetAddressBytes();
        return b[0] == 10 || b[0] == 0 || (b[0] == 172 && b[1] >= 16 && b[1] <= 31) || (b[0] == 192 && b[1] == 168)
            || (b[0] == 169 && b[1] == 254) || (b[0] == 100 && b[1] >= 64 && b[1] <= 127) || b[0] >= 224;
    }
}
