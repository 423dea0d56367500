namespace SocialCare.Api.Idempotency;

/// <summary><c>Idempotency-Key</c> bookkeeping (configuration section <c>Idempotency</c>).</summary>
public sealed class IdempotencyOptions
{
    public const string Section = "Idempotency";

    /// <summary>How long a key's recorded answer is replayed; after that the key is free, and its row is swept
    /// away.</summary>
    public TimeSpan KeyTtl { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often expired keys are deleted.</summary>
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromMinutes(5);
}
