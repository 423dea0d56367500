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
        ["ListDeadLetters:source"] = EventLog.DeadLetters.DeadLetterSources.All,
        ["ListDeadLetters:status"] = ["pending", "redriven", "all"],
        ["GetResponseTimesReport:groupBy"] = Reports.ReportQueries.ResponseGroupings,
        ["GetVolumeReport:groupBy"] = Reports.ReportQueries.VolumeGroupings,
        ["GetVolumeReport:interval"] = ["hour", "day"],
        ["GetFeedbackReport:groupBy"] = Reports.ReportQueries.FeedbackGroupings,
    };

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        foreach (var parameter in (operation.Parameters ?? []).OfType<OpenApiParameter>())
        {
            var key = $"{operation.OperationId}:{parameter.Name}";
            parameter.Description ??= FieldDescriptions.OfParameter(operation.OperationId ?? "", parameter.Name ?? "");
            if (parameter.Schema is not OpenApiSchema schema)
            {
                continue;
            }

            if (Values.TryGetValue(key, out var values))
            {
                schema.Enum = values.Select(v => (JsonNode)JsonValue.Create(v)).ToList();
            }

            // Page sizes are clamped to these (Paging); sequences start at 1, so 0 reads from the beginning.
            if (parameter.Name == "limit")
            {
                schema.Minimum = "1";
                schema.Maximum = Paging.MaxLimit.ToString(System.Globalization.CultureInfo.InvariantCulture);
                schema.Default = Paging.DefaultLimit;
            }
            else if (parameter.Name == "after" && schema.Type?.HasFlag(JsonSchemaType.Integer) == true)
            {
                schema.Minimum = "0";
            }
        }
    }
}
