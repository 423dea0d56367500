namespace SocialCare.Api.Engagements;

/// <summary>
/// The advisory lock keys that order the writers of a customer's data. Ingestion takes one per engagement's author
/// identity and public thread; linking an identity takes that identity's; a merge takes every identity and thread key
/// of both customers. Each takes all of its keys in one sorted pass (<see cref="EventLog.EventWriter.Lock"/>) before
/// any row lock, so writers that share a key run one after the other, and never deadlock on their rows.
/// </summary>
public static class CustomerLocks
{
    public static string Identity(Guid workspaceId, string channelType, string platformUserId) =>
        $"identity|{workspaceId}|{channelType}|{platformUserId}";

    public static string Thread(Guid channelId, string threadKey) => $"thread|{channelId}|{threadKey}";
}
