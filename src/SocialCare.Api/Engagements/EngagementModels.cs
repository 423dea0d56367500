using System.Text.Json;
using FluentValidation;
using SocialCare.Api.Infrastructure.Validation;
using SocialCare.Contracts;

namespace SocialCare.Api.Engagements;

public sealed record AuthorRequest(
    [Pii(PiiCategories.Identity)] string PlatformUserId,
    [Pii(PiiCategories.Identity)] string? DisplayName,
    [Pii(PiiCategories.Identity)] string? Handle
);

public sealed record AttachmentRequest(string Url, string MediaType, long? SizeBytes);

/// <summary>One inbound message, post or comment from any source, in the hub's normalised shape.</summary>
public sealed record IngestEngagementRequest(
    Guid ChannelId,
    string PlatformMessageId,
    [Pii(PiiCategories.Identity)] string? ThreadKey,
    AuthorRequest Author,
    [Pii(PiiCategories.Content)] string? Text,
    [Pii(PiiCategories.Content)] IReadOnlyList<AttachmentRequest>? Attachments,
    string Visibility,
    string? Language,
    DateTimeOffset? OccurredAt,
    [Pii(PiiCategories.FreeForm)] JsonElement? Metadata
);

public sealed record IngestEngagementResponse(Guid EngagementId, Guid ConversationId, Guid CustomerId);

internal sealed class IngestEngagementRequestValidator : AbstractValidator<IngestEngagementRequest>
{
    /// <summary>Clocks disagree a little; a timestamp further ahead than this is a bug in the sender.</summary>
    public static readonly TimeSpan AllowedClockSkew = TimeSpan.FromMinutes(5);

    public IngestEngagementRequestValidator(TimeProvider clock)
    {
        RuleFor(r => r.ChannelId).NotEmpty();
        RuleFor(r => r.PlatformMessageId)
            .NotEmpty()
            .MaximumLength(InboundEngagement.MaxIdLength)
            .Must(InboundEngagement.IsValidId)
            .WithMessage(IdMessage);
        RuleFor(r => r.ThreadKey)
            .MaximumLength(InboundEngagement.MaxIdLength)
            .Must(InboundEngagement.IsValidId!)
            .When(r => !string.IsNullOrEmpty(r.ThreadKey))
            .WithMessage(IdMessage);
        RuleFor(r => r.Author).NotNull().SetValidator(new AuthorRequestValidator());
        RuleFor(r => r.Text).MaximumLength(65_536);
        RuleFor(r => r)
            .Must(r => !string.IsNullOrEmpty(r.Text) || r.Attachments is { Count: > 0 })
            .WithName("text")
            .WithMessage("An engagement needs 'text' or at least one attachment.");
        RuleFor(r => r.Attachments).MaxCount(20).WithMessage("At most 20 attachments.");
        RuleForEach(r => r.Attachments).NotNull().SetValidator(new AttachmentRequestValidator());
        RuleFor(r => r.Visibility)
            .NotEmpty()
            .OneOf(Visibilities.All)
            .WithMessage("'visibility' is 'public' or 'private'.");
        RuleFor(r => r.Language).MaximumLength(35);
        RuleFor(r => r.OccurredAt)
            .NotNull()
            .Must(t => t <= clock.GetUtcNow() + AllowedClockSkew)
            .WithMessage("'occurredAt' is in the future.");
        RuleFor(r => r.Metadata)
            .Must(m => m is null || m.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Null)
            .WithMessage("'metadata' must be a JSON object.");
    }

    internal const string IdMessage = "A platform id is 1 to 256 characters with no control characters.";
}

internal sealed class AuthorRequestValidator : AbstractValidator<AuthorRequest>
{
    public AuthorRequestValidator()
    {
        RuleFor(r => r.PlatformUserId)
            .NotEmpty()
            .MaximumLength(InboundEngagement.MaxIdLength)
            .Must(InboundEngagement.IsValidId)
            .WithMessage(IngestEngagementRequestValidator.IdMessage);
        RuleFor(r => r.DisplayName).MaximumLength(512);
        RuleFor(r => r.Handle).MaximumLength(256);
    }
}

internal sealed class AttachmentRequestValidator : AbstractValidator<AttachmentRequest>
{
    public AttachmentRequestValidator()
    {
        RuleFor(x => x.Url)
            .NotEmpty()
            .MaximumLength(2048)
            .Must(u => Uri.TryCreate(u, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http")
            .WithMessage("'url' must be an absolute http(s) URL.");
        RuleFor(x => x.MediaType).NotEmpty().MaximumLength(255);
        RuleFor(x => x.SizeBytes).GreaterThanOrEqualTo(0);
    }
}
