namespace SocialCare.Api.Webhooks;

/// <summary>
/// Where a delivery stands, as stored and as the delivery log shows it: <see cref="Pending"/> (due at its next attempt,
/// or leased for one), <see cref="Delivered"/>, or <see cref="Failed"/> (given up).
/// </summary>
public static class DeliveryStatuses
{
    public const string Pending = "pending";
    public const string Delivered = "delivered";
    public const string Failed = "failed";

    public static IReadOnlyList<string> All { get; } = [Pending, Delivered, Failed];
}
