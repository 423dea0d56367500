using System.Net;
using System.Net.Sockets;

namespace SocialCare.Api.Infrastructure.Outbound;

/// <summary>
/// Which addresses the hub may call on someone else's behalf (a subscriber's webhook URL, a channel's API base URL):
/// public unicast only. Everything else — loopback, private and shared (CGNAT) ranges, link-local (where cloud metadata
/// lives), multicast, documentation, benchmarking and reserved ranges — could reach inside the hub's own network. IPv6
/// forms that carry an IPv4 address (mapped, NAT64, 6to4) are judged by that address; Teredo and other tunnels, whose
/// real endpoint cannot be checked, are refused.
/// </summary>
public static class PublicAddresses
{
    public static bool IsPublic(IPAddress address) =>
        address.AddressFamily switch
        {
            AddressFamily.InterNetwork => IsPublicV4(address.GetAddressBytes()),
            AddressFamily.InterNetworkV6 => IsPublicV6(address.GetAddressBytes()),
            _ => false,
        };

    private static bool IsPublicV4(ReadOnlySpan<byte> b) =>
        !(
            // "this network", private, loopback, multicast (224/4), reserved (240/4) and broadcast
            b[0] is 0 or 10 or 127 or >= 224
            || (b[0] == 100 && b[1] is >= 64 and <= 127) // shared address space (CGNAT), 100.64/10
            || (b[0] == 169 && b[1] == 254) // link-local, cloud metadata (169.254.169.254)
            || (b[0] == 172 && b[1] is >= 16 and <= 31)
            || (b[0] == 192 && b[1] == 168)
            || (b[0] == 192 && b[1] == 0 && b[2] is 0 or 2) // IETF protocol assignments, TEST-NET-1
            || (b[0] == 192 && b[1] == 88 && b[2] == 99) // 6to4 relay anycast
            || (b[0] == 198 && b[1] is 18 or 19) // benchmarking, 198.18/15
            || (b[0] == 198 && b[1] == 51 && b[2] == 100) // TEST-NET-2
            || (b[0] == 203 && b[1] == 0 && b[2] == 113)
        ); // TEST-NET-3

    private static bool IsPublicV6(byte[] b)
    {
        // ::ffff:a.b.c.d (IPv4-mapped) and 64:ff9b::a.b.c.d (well-known NAT64 prefix) reach the IPv4 address they
        // carry.
        if (
            Prefix(b, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff])
            || Prefix(b, [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0])
        )
        {
            return IsPublicV4(b.AsSpan(12, 4));
        }

        // 2002:a.b.c.d::/48 (6to4) tunnels to the IPv4 address it carries.
        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return IsPublicV4(b.AsSpan(2, 4));
        }

        // Only global unicast (2000::/3) is public; inside it, IETF protocol assignments (2001::/23, which holds Teredo
        // 2001::/32, benchmarking and ORCHID), documentation (2001:db8::/32, 3fff::/20) are not.
        return (b[0] & 0xe0) == 0x20
            && !(b[0] == 0x20 && b[1] == 0x01 && b[2] < 0x02)
            && !(b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
            && !(b[0] == 0x3f && b[1] == 0xff && (b[2] & 0xf0) == 0);
    }

    private static bool Prefix(byte[] address, byte[] prefix) => address.AsSpan(0, prefix.Length).SequenceEqual(prefix);
}
