using FluentValidation;

namespace SocialCare.Api.Workflow.Sla;

/// <summary>
/// An SLA policy: targets as ISO 8601 durations (<c>PT1H</c>, <c>P1D</c>; at least one, each at most a year), whether
/// clocks run only in the brand's business hours, when to warn before a target falls due, and whether a rule's
/// automatic reply counts as a response. A target left out is not measured.
/// </summary>
public sealed record SlaPolicyRequest(
    string Name,
    string? FirstResponse,
    string? NextResponse,
    string? Resolution,
    bool? BusinessHoursOnly,
    string? WarnBefore,
    bool? CountAutomaticReplies
);

/// <summary>An SLA policy; <c>version</c> is also its ETag.</summary>
public sealed record SlaPolicyResponse(
    Guid Id,
    string Name,
    string? FirstResponse,
    string? NextResponse,
    string? Resolution,
    bool BusinessHoursOnly,
    string? WarnBefore,
    bool CountAutomaticReplies,
    long Version,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt
)
{
    /// <summary>The targets the policy has, in the order their clocks are listed.</summary>
    public IEnumerable<(string Target, TimeSpan Duration)> Targets() =>
        new[]
        {
            (Contracts.SlaTargets.FirstResponse, FirstResponse),
            (Contracts.SlaTargets.NextResponse, NextResponse),
            (Contracts.SlaTargets.Resolution, Resolution),
        }
            .Where(t => t.Item2 is not null)
            .Select(t => (t.Item1, IsoDuration.Of(t.Item2)!.Value));
}

internal sealed class SlaPolicyRequestValidator : AbstractValidator<SlaPolicyRequest>
{
    private const string DurationMessage =
        "'{PropertyName}' is an ISO 8601 duration of weeks, days, hours, minutes or seconds, longer than zero and at "
        + "most P365D (PT1H, P1DT12H).";

    public SlaPolicyRequestValidator()
    {
        RuleFor(r => r.Name)
            .NotEmpty()
            .MaximumLength(200)
            .Must(n => n is null || n.Trim().Length > 0)
            .WithMessage("A policy's name is 1 to 200 characters.");
        RuleFor(r => r.FirstResponse)
            .MaximumLength(40)
            .Matches(IsoDuration.PatternText)
            .Must(IsTargetOrNull)
            .WithMessage(DurationMessage);
        RuleFor(r => r.NextResponse)
            .MaximumLength(40)
            .Matches(IsoDuration.PatternText)
            .Must(IsTargetOrNull)
            .WithMessage(DurationMessage);
        RuleFor(r => r.Resolution)
            .MaximumLength(40)
            .Matches(IsoDuration.PatternText)
            .Must(IsTargetOrNull)
            .WithMessage(DurationMessage);
        RuleFor(r => r.WarnBefore)
            .MaximumLength(40)
            .Matches(IsoDuration.PatternText)
            .Must(IsTargetOrNull)
            .WithMessage(DurationMessage);
        RuleFor(r => r)
            .Must(r => r.FirstResponse is not null || r.NextResponse is not null || r.Resolution is not null)
            .WithName("firstResponse")
            .WithMessage("A policy has at least one of 'firstResponse', 'nextResponse' and 'resolution'.");
        RuleFor(r => r.WarnBefore)
            .Must(
                (r, warn) =>
                    IsoDuration.Of(warn) is not { } w
                    || new[] { r.FirstResponse, r.NextResponse, r.Resolution }
                        .Select(IsoDuration.Of)
                        .All(t => t is null || w < t)
            )
            .WithMessage(
                "'warnBefore' is shorter than every target, or the warning would come before the clock starts."
            );
    }

    private static bool IsTargetOrNull(string? text) => text is null || IsoDuration.IsTarget(text);
}
