namespace SocialCare.Api.Engagements;

/// <summary>Group commit for ingestion (configuration section <c>Ingestion</c>).</summary>
public sealed class IngestionOptions
{
    public const string Section = "Ingestion";

    /// <summary>Transactions that ingest at the same time in this instance; each takes what queued up while the others
    /// ran.</summary>
    public int Writers { get; set; } = 2;

    /// <summary>The most engagements one transaction takes.</summary>
    public int MaxBatch { get; set; } = 256;
}
