using SocialCare.Api.Infrastructure.Problems;
using SocialCare.Contracts;

namespace SocialCare.Api.Engagements;

/// <summary>What became of one item of a batch.</summary>
public static class BatchItemStatuses
{
    /// <summary>New: ingested now.</summary>
    public const string Accepted = "accepted";

    /// <summary>Its platform message was ingested before (by an earlier request, or earlier in this batch).</summary>
    public const string Duplicate = "duplicate";

    /// <summary>Not ingested; <c>problem</c> says why.</summary>
    public const string Failed = "failed";

    public static IReadOnlyList<string> All { get; } = [Accepted, Duplicate, Failed];
}

/// <summary>Each item's outcome, in the order of the request, and how many came to each.</summary>
public sealed record IngestEngagementBatchResponse(
    IReadOnlyList<BatchItemResult> Results,
    int Accepted,
    int Duplicates,
    int Failed
);

/// <summary>One item's outcome: its ids when ingested now or before, its problem when not ingested.</summary>
public sealed record BatchItemResult(
    int Index,
    [KnownValues(typeof(BatchItemStatuses))] string Status,
    Guid? EngagementId,
    Guid? ConversationId,
    Guid? CustomerId,
    BatchItemProblem? Problem
)
{
    public static BatchItemResult Of(int index, IngestResult result) =>
        new(
            index,
            result.Duplicate ? BatchItemStatuses.Duplicate : BatchItemStatuses.Accepted,
            result.EngagementId,
            result.ConversationId,
            result.CustomerId,
            null
        );

    public static BatchItemResult Of(int index, Microsoft.AspNetCore.Mvc.ProblemDetails problem) =>
        new(index, BatchItemStatuses.Failed, null, null, null, BatchItemProblem.Of(problem));
}

/// <summary>Why an item was not ingested: the problem <c>POST /v1/engagements</c> would have answered for it alone
/// (RFC 9457 members).</summary>
public sealed record BatchItemProblem(
    string Type,
    string Title,
    int Status,
    string? Detail,
    [KnownValues(typeof(ProblemCodes))] string Code,
    IDictionary<string, string[]>? Errors
)
{
    public static BatchItemProblem Of(Microsoft.AspNetCore.Mvc.ProblemDetails problem) =>
        new(
            problem.Type ?? ProblemCodes.TypePrefix + ProblemCodes.BadRequest,
            problem.Title ?? "",
            problem.Status ?? StatusCodes.Status500InternalServerError,
            problem.Detail,
            problem.Extensions.TryGetValue("code", out var code) && code is string c ? c : ProblemCodes.BadRequest,
            (problem as HttpValidationProblemDetails)?.Errors
        );
}
