using Microsoft.AspNetCore.Mvc;
using SocialCare.Api.Infrastructure.Problems;

namespace SocialCare.Api.EventLog;

/// <summary>The stream moved on since the caller read it: the expected version no longer holds.</summary>
public sealed class ConcurrencyException(Guid streamId, long? expected)
    : Exception($"Stream {streamId} is no longer at version {expected}."),
        IHasProblem
{
    public Guid StreamId { get; } = streamId;

    public ProblemDetails Problem =>
        Infrastructure.Problems.Problem.Details(
            StatusCodes.Status409Conflict,
            ProblemCodes.Conflict,
            "Conflict",
            "The conversation changed while the request ran; fetch it and retry."
        );
}
