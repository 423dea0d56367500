namespace SocialCare.Api.Infrastructure.Problems;

/// <summary>
/// The stable problem codes of the API. Each becomes the problem's <c>type</c> (<c>urn:socialcare:problem:{code}</c>)
/// and its <c>code</c> member; clients switch on them, so a code is never renamed once shipped. docs/problems.md lists
/// them.
/// </summary>
public static class ProblemCodes
{
    public const string TypePrefix = "urn:socialcare:problem:";

    public const string BadRequest = "bad-request";
    public const string MalformedJson = "malformed-json";
    public const string ValidationFailed = "validation-failed";
    public const string Unauthorized = "unauthorized";
    public const string Forbidden = "forbidden";
    public const string NotFound = "not-found";
    public const string MethodNotAllowed = "method-not-allowed";
    public const string Conflict = "conflict";
    public const string PayloadTooLarge = "payload-too-large";
    public const string UnsupportedMediaType = "unsupported-media-type";
    public const string RateLimited = "rate-limited";
    public const string UnknownChannel = "unknown-channel";
    public const string PreconditionFailed = "precondition-failed";
    public const string IdempotencyKeyReused = "idempotency-key-reused";
    public const string IdempotencyKeyInUse = "idempotency-key-in-use";
    public const string AlreadyAcknowledged = "already-acknowledged";
    public const string AlreadyResolved = "already-resolved";
    public const string NotResolved = "not-resolved";
    public const string ConversationResolved = "conversation-resolved";
    public const string ClaimedByOther = "claimed-by-other";
    public const string NotClaimed = "not-claimed";
    public const string CustomerUnreachable = "customer-unreachable";
    public const string IdentityTaken = "identity-taken";
    public const string CustomerHasOpenConversation = "customer-has-open-conversation";
    public const string VisibilityNotSupported = "visibility-not-supported";
    public const string TargetNotAllowed = "target-not-allowed";
    public const string CredentialsRequired = "credentials-required";
    public const string TemplateRequired = "template-required";
    public const string TemplateNotSupported = "template-not-supported";
    public const string MessagingWindowClosed = "messaging-window-closed";
    public const string NoPublicPost = "no-public-post";
    public const string UnsupportedReplyShape = "unsupported-reply-shape";
    public const string InvalidSignature = "invalid-signature";
    public const string UnexpectedPayload = "unexpected-payload";
    public const string ChannelNotConnected = "channel-not-connected";
    public const string AlreadyMerged = "already-merged";
    public const string NotAParty = "not-a-party";
    public const string AlreadyRedriven = "already-redriven";
    public const string DeadLetterUnreadable = "dead-letter-unreadable";
    public const string SubscriptionLimitReached = "subscription-limit-reached";
    public const string TooManyStreams = "too-many-streams";
    public const string TooManyTags = "too-many-tags";
    public const string UnknownSlaPolicy = "unknown-sla-policy";
    public const string UnknownTeam = "unknown-team";
    public const string RuleLimitReached = "rule-limit-reached";
    public const string UnsupportedCharacter = "unsupported-character";
    public const string UnsupportedNumber = "unsupported-number";
    public const string InternalError = "internal-error";
    public const string ServiceUnavailable = "service-unavailable";

    /// <summary>Every code, in declaration order: the OpenAPI document's enum of <c>code</c>, and what docs/problems.md
    /// must list (a test compares them).</summary>
    public static IReadOnlyList<string> All { get; } =
        typeof(ProblemCodes)
            .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .Where(f => f.IsLiteral && f.Name != nameof(TypePrefix))
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToList();

    /// <summary>The HTTP status a code answers with: what was refused, said once for every endpoint
    /// (docs/problems.md).</summary>
    public static int StatusOf(string code) =>
        code switch
        {
            NotFound => StatusCodes.Status404NotFound,
            Forbidden => StatusCodes.Status403Forbidden,
            Conflict
            or AlreadyAcknowledged
            or AlreadyResolved
            or NotResolved
            or ConversationResolved
            or ClaimedByOther
            or NotClaimed
            or IdentityTaken
            or AlreadyMerged
            or CustomerHasOpenConversation => StatusCodes.Status409Conflict,
            PreconditionFailed => StatusCodes.Status412PreconditionFailed,
            BadRequest => StatusCodes.Status400BadRequest,
            _ => StatusCodes.Status422UnprocessableEntity,
        };

    public static string ForStatus(int status) =>
        status switch
        {
            StatusCodes.Status400BadRequest => BadRequest,
            StatusCodes.Status401Unauthorized => Unauthorized,
            StatusCodes.Status403Forbidden => Forbidden,
            StatusCodes.Status404NotFound => NotFound,
            StatusCodes.Status405MethodNotAllowed => MethodNotAllowed,
            StatusCodes.Status409Conflict => Conflict,
            StatusCodes.Status412PreconditionFailed => PreconditionFailed,
            StatusCodes.Status413PayloadTooLarge => PayloadTooLarge,
            StatusCodes.Status415UnsupportedMediaType => UnsupportedMediaType,
            StatusCodes.Status429TooManyRequests => RateLimited,
            StatusCodes.Status503ServiceUnavailable => ServiceUnavailable,
            >= 500 => InternalError,
            _ => BadRequest,
        };
}
