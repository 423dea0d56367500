namespace SocialCare.Api.Infrastructure;

/// <summary>One page of a cursor-paginated list: pass <c>next</c> back as <c>after</c> for the next page; null
/// at the end.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? Next);

public static class Paging
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    public static int ClampLimit(int? limit) => Math.Clamp(limit ?? DefaultLimit, 1, MaxLimit);
}
