namespace SocialCare.Api.Infrastructure.EventStore;

/// <summary>The stream moved on since the caller read it: the expected version no longer holds.</summary>
public sealed class ConcurrencyException(Guid streamId, long? expected) :
    Exception($"Stream {streamId} is no longer at version {expected}.")
{
    public Guid StreamId { get; } = streamId;
}
