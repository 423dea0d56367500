using System.Text.Json;
using FluentValidation;
using SocialCare.Api.Infrastructure.Validation;
using SocialCare.Contracts;

namespace SocialCare.Api.Conversations;

public sealed record AcknowledgeRequest;

public sealed record AssignRequest(string? Team, string? Agent);

public sealed record TagsRequest(IReadOnlyList<string>? Add, IReadOnlyList<string>? Remove);

public sealed record NoteRequest([Pii(PiiCategories.Content)] string Text);

public sealed record PriorityRequest(string Level, string? Reason);

public sealed record LinkRequest(string System, string RecordType, string RecordId, string? Url);

public sealed record ContextRequest(
    Dictionary<string, JsonElement>? Values,
    [Pii(PiiCategories.FreeForm)] Dictionary<string, JsonElement>? PersonalValues = null
);

public sealed record ResolveRequest(string? Reason, bool? Force);

public sealed record ClaimRequest(int? TtlSeconds);

public sealed record ReleaseRequest;

public sealed record ReopenRequest;

/// <summary>A customer's answer to a feedback survey: <c>csat</c> scores 1–5, <c>nes</c> and <c>ces</c> 1–7, <c>nps</c>
/// 0–10.</summary>
public sealed record FeedbackRequest(
    string Kind,
    int? Score,
    [Pii(PiiCategories.Content)] string? Comment,
    Guid? ChannelId,
    DateTimeOffset? RespondedAt
);

internal sealed class FeedbackRequestValidator : AbstractValidator<FeedbackRequest>
{
    public FeedbackRequestValidator(TimeProvider clock)
    {
        RuleFor(r => r.Kind).NotEmpty().OneOf(FeedbackKinds.All);
        RuleFor(r => r.Score).NotNull().InclusiveBetween(0, 10);
        RuleFor(r => r)
            .Must(r =>
                r.Kind is null
                || r.Score is not { } score
                || !FeedbackKinds.All.Contains(r.Kind)
                || (FeedbackKinds.Scale(r.Kind) is var (min, max) && score >= min && score <= max)
            )
            .WithName("score")
            .WithMessage(r =>
                FeedbackKinds.All.Contains(r.Kind)
                    ? $"A {r.Kind} score is {FeedbackKinds.Scale(r.Kind).Min} to {FeedbackKinds.Scale(r.Kind).Max}."
                    : "'score' is on the survey's scale."
            );
        RuleFor(r => r.Comment).MaximumLength(4000);
        RuleFor(r => r.RespondedAt)
            .Must(t =>
                t is null || t <= clock.GetUtcNow() + Engagements.IngestEngagementRequestValidator.AllowedClockSkew
            )
            .WithMessage("'respondedAt' is in the future.");
    }
}

public sealed record ReplyAttachment(string Url, string MediaType, long? SizeBytes);

/// <summary>An approved template: its name, language code (e.g. <c>en_US</c>, <c>ar</c>) and its body parameters in
/// order.</summary>
public sealed record ReplyTemplateRequest(
    string Name,
    string Language,
    [Pii(PiiCategories.Content)] IReadOnlyList<string>? Parameters
);

public sealed record ReplyRequest(
    [Pii(PiiCategories.Content)] string? Text,
    [Pii(PiiCategories.Content)] IReadOnlyList<ReplyAttachment>? Attachments,
    Guid? ChannelId,
    string? Visibility,
    bool? Force,
    ReplyTemplateRequest? Template = null
);

public sealed record ReplyError(string Code, string Message);

/// <summary>A connector's report of how far a reply got: sent, delivered, read or failed (with the platform's
/// error).</summary>
public sealed record ReplyStatusRequest(
    string Status,
    string? PlatformMessageId,
    ReplyError? Error,
    DateTimeOffset? OccurredAt
);

internal sealed class ReplyRequestValidator : AbstractValidator<ReplyRequest>
{
    public ReplyRequestValidator()
    {
        RuleFor(r => r.Text).MaximumLength(4096);
        RuleFor(r => r)
            .Must(r => !string.IsNullOrWhiteSpace(r.Text) || r.Attachments is { Count: > 0 } || r.Template is not null)
            .WithName("text")
            .WithMessage("A reply needs 'text', at least one attachment, or a 'template'.");
        RuleFor(r => r.Template!).SetValidator(new ReplyTemplateRequestValidator());
        RuleFor(r => r.Attachments).MaxCount(10).WithMessage("At most 10 attachments.");
        RuleForEach(r => r.Attachments).NotNull().SetValidator(new ReplyAttachmentValidator());
        RuleFor(r => r.Visibility).OneOf(Visibilities.All).WithMessage("'visibility' is 'public' or 'private'.");
    }
}

internal sealed class ReplyTemplateRequestValidator : AbstractValidator<ReplyTemplateRequest>
{
    public ReplyTemplateRequestValidator()
    {
        RuleFor(x => x.Name)
            .NotEmpty()
            .MaximumLength(512)
            .Matches("^[a-z0-9_]+$")
            .WithMessage("'name' is the template's name: lower-case letters, digits and underscores.");
        RuleFor(x => x.Language)
            .NotEmpty()
            .Matches("^[a-z]{2,3}(_[A-Za-z]{2,4})?$")
            .WithMessage("'language' is a code such as en_US or ar.");
        RuleFor(x => x.Parameters).MaxCount(20).WithMessage("At most 20 parameters.");
        RuleForEach(x => x.Parameters).NotEmpty().MaximumLength(1024);
    }
}

internal sealed class ReplyAttachmentValidator : AbstractValidator<ReplyAttachment>
{
    public ReplyAttachmentValidator()
    {
        RuleFor(x => x.Url)
            .NotEmpty()
            .Must(u => Uri.TryCreate(u, UriKind.Absolute, out var uri) && uri.Scheme == "https")
            .WithMessage("'url' must be an absolute https URL the platform can fetch.");
        RuleFor(x => x.MediaType).NotEmpty().MaximumLength(255);
    }
}

internal sealed class ReplyErrorValidator : AbstractValidator<ReplyError>
{
    public ReplyErrorValidator()
    {
        RuleFor(r => r.Code).NotEmpty().MaximumLength(100);
        RuleFor(r => r.Message).NotEmpty().MaximumLength(2000);
    }
}

internal sealed class ReplyStatusRequestValidator : AbstractValidator<ReplyStatusRequest>
{
    public ReplyStatusRequestValidator()
    {
        RuleFor(r => r.Status)
            .NotEmpty()
            .OneOf(ReplyStatuses.Reportable)
            .WithMessage("'status' is sent, delivered, read or failed.");
        RuleFor(r => r.PlatformMessageId).MaximumLength(256);
        RuleFor(r => r.Error)
            .NotNull()
            .When(r => r.Status == ReplyStatuses.Failed)
            .WithMessage("A failure needs an 'error' with the platform's code and message.");
        RuleFor(r => r.Error!).SetValidator(new ReplyErrorValidator());
    }
}

internal sealed class AssignRequestValidator : AbstractValidator<AssignRequest>
{
    public AssignRequestValidator()
    {
        RuleFor(r => r.Team).MaximumLength(200);
        RuleFor(r => r.Agent).MaximumLength(200);
    }
}

internal sealed class TagsRequestValidator : AbstractValidator<TagsRequest>
{
    private const int MaxPerRequest = 50;

    public TagsRequestValidator()
    {
        RuleFor(r => r)
            .Must(r => r.Add is { Count: > 0 } || r.Remove is { Count: > 0 })
            .WithName("add")
            .WithMessage("Give tags to 'add' or 'remove'.");
        RuleForEach(r => r.Add).NotEmpty().MaximumLength(64);
        RuleForEach(r => r.Remove).NotEmpty().MaximumLength(64);
        RuleFor(r => r.Add).MaxCount(MaxPerRequest).WithMessage($"At most {MaxPerRequest} tags at once.");
        RuleFor(r => r.Remove).MaxCount(MaxPerRequest).WithMessage($"At most {MaxPerRequest} tags at once.");
    }
}

internal sealed class NoteRequestValidator : AbstractValidator<NoteRequest>
{
    public NoteRequestValidator() => RuleFor(r => r.Text).NotEmpty().MaximumLength(10_000);
}

internal sealed class PriorityRequestValidator : AbstractValidator<PriorityRequest>
{
    public PriorityRequestValidator()
    {
        RuleFor(r => r.Level)
            .NotEmpty()
            .OneOf(PriorityLevels.All)
            .WithMessage("'level' is low, normal, high or urgent.");
        RuleFor(r => r.Reason).MaximumLength(1000);
    }
}

internal sealed class LinkRequestValidator : AbstractValidator<LinkRequest>
{
    public LinkRequestValidator()
    {
        RuleFor(r => r.System).NotEmpty().MaximumLength(64);
        RuleFor(r => r.RecordType).NotEmpty().MaximumLength(64);
        RuleFor(r => r.RecordId).NotEmpty().MaximumLength(256);
        RuleFor(r => r.Url)
            .MaximumLength(2048)
            .Must(u =>
                u is null || (Uri.TryCreate(u, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http")
            )
            .WithMessage("'url' must be an absolute http(s) URL.");
    }
}

internal sealed class ContextRequestValidator : AbstractValidator<ContextRequest>
{
    public ContextRequestValidator()
    {
        RuleFor(r => (r.Values == null ? 0 : r.Values.Count) + (r.PersonalValues == null ? 0 : r.PersonalValues.Count))
            .InclusiveBetween(1, 50)
            .OverridePropertyName("values")
            .WithMessage("Give between 1 and 50 values, in values and personalValues together.");
        RuleFor(r => r.Values)
            .Must(v => v!.Keys.All(k => k.Length is > 0 and <= 100))
            .When(r => r.Values is not null)
            .WithMessage("Keys are 1 to 100 characters.");
        RuleFor(r => r.PersonalValues)
            .Must(v => v!.Keys.All(k => k.Length is > 0 and <= 100))
            .When(r => r.PersonalValues is not null)
            .WithMessage("Keys are 1 to 100 characters.");
        RuleFor(r => r.PersonalValues)
            .Must((r, p) => !p!.Keys.Any(r.Values!.ContainsKey))
            .When(r => r.Values is not null && r.PersonalValues is not null)
            .WithMessage("A key is either in values or in personalValues, not both.");
    }
}

internal sealed class ClaimRequestValidator : AbstractValidator<ClaimRequest>
{
    public ClaimRequestValidator() => RuleFor(r => r.TtlSeconds).InclusiveBetween(1, 86_400);
}

internal sealed class ResolveRequestValidator : AbstractValidator<ResolveRequest>
{
    public ResolveRequestValidator() => RuleFor(r => r.Reason).MaximumLength(1000);
}
