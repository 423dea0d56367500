using System.Net;
using System.Net.Sockets;

namespace SocialCare.Api.Infrastructure.Outbound;

/// <summary>
/// One kind of call the hub makes to a URL someone else chose (a subscriber's webhook, a channel's API base URL), and
/// the setting that lets it reach http and non-public hosts (development and tests only).
/// </summary>
public sealed record OutboundRule(string What, string AllowPrivateSetting, Func<bool> AllowPrivate)
{
    /// <summary>Null when <paramref name="url"/> may be called under this rule; otherwise why not.</summary>
    public Task<string?> CheckAsync(string url, CancellationToken ct) => OutboundTargets.CheckAsync(url, this, ct);
}

/// <summary>
/// Keeps such calls out of the hub's own network (SSRF). A URL is checked when it is saved, so that a caller hears at
/// once why it is refused, and again on every connection: the name is resolved, every address it resolves to must be
/// public, and the socket connects to those very addresses. A name that resolved to a public address when it was saved
/// and to 169.254.169.254 later (DNS rebinding) is refused then.
/// </summary>
public static class OutboundTargets
{
    /// <summary>Null when <paramref name="url"/> may be called under <paramref name="rule"/>; otherwise why
    /// not.</summary>
    public static async Task<string?> CheckAsync(string url, OutboundRule rule, CancellationToken ct)
    {
        if (
            !Uri.TryCreate(url, UriKind.Absolute, out var uri)
            || uri.Scheme is not ("https" or "http")
            || uri.Host.Length == 0
        )
        {
            return $"The {rule.What} must be an absolute https URL.";
        }

        if (rule.AllowPrivate())
        {
            return null;
        }

        if (uri.Scheme != Uri.UriSchemeHttps)
        {
            return $"The {rule.What} must use https. {HowToAllow(rule)}";
        }

        try
        {
            var addresses = await ResolveAsync(uri.IdnHost, ct);
            return addresses.FirstOrDefault(a => !PublicAddresses.IsPublic(a)) is { } inside
                ? Inside(rule, uri.Host, inside)
                : null;
        }
        catch (SocketException)
        {
            return $"The host '{uri.Host}' of the {rule.What} does not resolve.";
        }
    }

    /// <summary>A <see cref="SocketsHttpHandler.ConnectCallback"/> that connects only to hosts <paramref name="rule"/>
    /// allows.</summary>
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> Connect(OutboundRule rule) =>
        async (context, ct) =>
        {
            var host = context.DnsEndPoint.Host;
            var addresses = await ResolveAsync(host, ct);
            if (!rule.AllowPrivate())
            {
                if (context.InitialRequestMessage.RequestUri?.Scheme != Uri.UriSchemeHttps)
                {
                    throw new HttpRequestException(
                        HttpRequestError.ConnectionError,
                        $"Refused: the {rule.What} must use https. {HowToAllow(rule)}"
                    );
                }

                if (addresses.FirstOrDefault(a => !PublicAddresses.IsPublic(a)) is { } inside)
                {
                    throw new HttpRequestException(
                        HttpRequestError.ConnectionError,
                        "Refused: " + Inside(rule, host, inside)
                    );
                }
            }

            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        };

    private static async Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct)
    {
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, ct);
        return addresses.Length > 0 ? addresses : throw new SocketException((int)SocketError.HostNotFound);
    }

    private static string Inside(OutboundRule rule, string host, IPAddress address) =>
        $"'{host}' resolves to {address}, which is not a public address; the {rule.What} must be on a public "
        + $"host. {HowToAllow(rule)}";

    private static string HowToAllow(OutboundRule rule) =>
        $"Set {rule.AllowPrivateSetting}=true to allow http and private hosts (development and tests only).";
}
