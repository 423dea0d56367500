namespace SocialCare.Api.Infrastructure;

/// <summary>HTTP-level limits of the public API (configuration section <c>Api</c>).</summary>
public sealed class ApiOptions
{
    public const string Section = "Api";

    /// <summary>Largest request body accepted, in bytes; larger ones answer 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest body of a batch (<c>POST /v1/engagements/batch</c>), in bytes; larger ones answer 413.</summary>
    public long MaxBatchRequestBodyBytes { get; set; } = 4 * 1024 * 1024;
}
