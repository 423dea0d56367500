using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using SocialCare.Api.Conversations;
using SocialCare.Api.Webhooks;
using SocialCare.Contracts;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace SocialCare.Api.Infrastructure.OpenApi;

/// <summary>
/// Every parameter described (<see cref="FieldDescriptions"/>), and the query parameters that take one of a closed set
/// of values carry it as their enum: the same sets the handlers accept.
/// </summary>
internal sealed class ParameterDescriptionsFilter : IOperationFilter
{
    private static readonly Dictionary<string, IReadOnlyList<string>> Values = new(StringComparer.Ordinal)
    {
        ["ListConversations:status"] = ConversationStatus.All,
        ["ListConversations:priority"] = PriorityLevels.All,
        ["ListConversations:sort"] = ["created", "lastActivity"],
        ["ListSubscriptionDeliveries:status"] = DeliveryStatuses.All,
    };

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        foreach (var parameter in (operation.Parameters ?? []).OfType<OpenApiParameter>())
        {
            var key = $"{operation.OperationId}:{parameter.Name}";
            parameter.Description ??= FieldDescriptions.OfParameter(operation.OperationId ?? "", parameter.Name ?? "");
            if (Values.TryGetValue(key, out var values) && parameter.Schema is OpenApiSchema schema)
            {
                schema.Enum = values.Select(v => (JsonNode)JsonValue.Create(v)).ToList();
            }
        }
    }
}
