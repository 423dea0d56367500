using System.Text.Json.Nodes;
using Microsoft.Kiota.Abstractions.Serialization;
using Microsoft.Kiota.Serialization.Json;

namespace SocialCare.Client;

/// <summary>
/// Free-form JSON in the hub's answers (a conversation's <c>context</c>, a channel's settings) reaches a Kiota model as
/// <see cref="UntypedNode"/> values in <c>AdditionalData</c>; these give it back as System.Text.Json nodes.
/// </summary>
public static class FreeFormJson
{
    public static JsonNode? ToJsonNode(this UntypedNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        using var writer = new JsonSerializationWriter();
        writer.WriteObjectValue(null, node);
        using var stream = writer.GetSerializedContent();
        return JsonNode.Parse(stream);
    }

    /// <summary>The value under <paramref name="key"/> of a free-form object, or null when it has none.</summary>
    public static JsonNode? Get(this IAdditionalDataHolder holder, string key)
    {
        ArgumentNullException.ThrowIfNull(holder);
        return holder.AdditionalData.TryGetValue(key, out var value) && value is UntypedNode node
            ? node.ToJsonNode()
            : null;
    }
}
