using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace SocialCare.Api.Infrastructure.OpenApi;

/// <summary>
/// An example value built from a JSON Schema: the first of its <c>examples</c> or <c>enum</c>, else a value of its
/// type and format, named after the field it fills (a brand looks like a brand, a text like an Arabic customer's
/// message). The event schemas and the OpenAPI document take their examples from here, so every schema and operation
/// has one, and the contract tests check that each example is valid against its own schema.
/// </summary>
internal static class SchemaExamples
{
    private static readonly Dictionary<string, JsonNode> ByField = new(StringComparer.Ordinal)
    {
        ["text"] = "مرحبا، طلبي رقم 4411 لم يصل بعد 📦 هل يمكنكم المساعدة؟",
        ["brand"] = "acme",
        ["name"] = "Acme KSA WhatsApp",
        ["displayName"] = "نورة",
        ["handle"] = "@noura",
        ["platformUserId"] = "966500000001",
        ["platformMessageId"] = "wamid.HBgLOTY2NTAwMDAwMDAxFQIAEhgU",
        ["threadKey"] = "966500000001",
        ["channelType"] = "whatsapp",
        ["type"] = "whatsapp",
        ["language"] = "ar",
        ["mediaType"] = "image/jpeg",
        ["url"] = "https://cdn.example.com/media/receipt-4411.jpg",
        ["team"] = "billing",
        ["agent"] = "agent-17",
        ["person"] = "agent-17",
        ["app"] = "crm",
        ["keyName"] = "crm",
        ["reason"] = "Customer reports a missing delivery",
        ["system"] = "crm",
        ["recordType"] = "case",
        ["recordId"] = "CASE-4411",
        ["tag"] = "delivery",
        ["hint"] = "…9f3a",
        ["key"] = "sch_live_0123456789abcdef0123456789abcdef",
        ["secret"] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        ["description"] = "Billing's case sync",
        ["recipient"] = "966500000001",
        ["code"] = "131047",
        ["message"] = "Re-engagement message",
        ["eventType"] = "conversation.assigned",
        ["subject"] = "0193a5e2-7c1d-7b7e-9a51-3f1c2d4e5f60",
        ["activeKey"] = "2026-12",
        ["timeZone"] = "Asia/Riyadh",
        ["from"] = "09:00",
        ["to"] = "17:00",
        ["keyId"] = "0193a5e2-1111-7b7e-9a51-3f1c2d4e5f60",
        ["linkedBy"] = "crm",
        ["requestedBy"] = "care-app",
        ["LinkView.url"] = "https://crm.example.com/cases/CASE-4411",
        ["LinkRequest.url"] = "https://crm.example.com/cases/CASE-4411",
        ["CreateSubscriptionRequest.url"] = "https://billing.example.com/hooks/socialcare",
        ["UpdateSubscriptionRequest.url"] = "https://billing.example.com/hooks/socialcare",
        ["SubscriptionResponse.url"] = "https://billing.example.com/hooks/socialcare",
        ["SubscriptionWithSecret.url"] = "https://billing.example.com/hooks/socialcare",
        ["sizeBytes"] = 48213,
        ["ttlSeconds"] = 900,
        ["statusCode"] = 200,
        ["latencyMs"] = 87,
        ["engagementCount"] = 3,
        ["version"] = 7,
        ["attempts"] = 1,
        ["sequence"] = 42,
        ["FeedPage.next"] = 42,
        ["next"] = "MDE5M2E1ZTItN2MxZA",
        ["previousTeam"] = "care",
        ["previousAgent"] = "agent-3",
        ["namespace"] = "crm",
        ["added"] = "vip",
        ["removed"] = "new",
        ["failedEventType"] = "conversation.assigned",
        ["inReplyTo"] = "1866263437645426890",
        ["disabledReason"] = "The endpoint answered 410 Gone.",
        ["lastError"] = "connection refused",
        ["messageTag"] = "HUMAN_AGENT",
        ["EventRef.type"] = "conversation.assigned",
        ["TimelineEntry.type"] = "engagement.received",
        ["WebhookTest.message"] = "A test delivery from SocialCare Hub.",
        ["RuleRequest.name"] = "Gold and angry",
        ["RuleResponse.name"] = "Gold and angry",
        ["RuleTestOutcome.name"] = "Gold and angry",
        ["trigger"] = "engagement.received",
        ["field"] = "customer.context.crm.segment",
        ["op"] = "eq",
        ["value"] = "gold",
        ["actual"] = "gold",
        ["outcome"] = "applied",
        ["FeedbackRequest.kind"] = "csat",
        ["ResponseTimesReport.from"] = "2026-11-24T00:00:00+00:00",
        ["ResponseTimesReport.to"] = "2026-12-01T00:00:00+00:00",
        ["ResponseTimesReport.timeZone"] = "Asia/Riyadh",
        ["ResponseTimesReport.groupBy"] = "channelType",
        ["VolumeReport.from"] = "2026-11-24T00:00:00+00:00",
        ["VolumeReport.to"] = "2026-12-01T00:00:00+00:00",
        ["VolumeReport.timeZone"] = "Asia/Riyadh",
        ["VolumeReport.interval"] = "day",
        ["VolumeReport.groupBy"] = "channelType",
        ["FeedbackReport.from"] = "2026-11-01T00:00:00+00:00",
        ["FeedbackReport.to"] = "2026-12-01T00:00:00+00:00",
        ["FeedbackReport.timeZone"] = "Asia/Riyadh",
        ["FeedbackReport.groupBy"] = "brand",
        ["ReportFreshness.sequence"] = 48213,
        ["ReportFreshness.behind"] = 0,
        ["ReportsRebuild.head"] = 48213,
        ["ResponseTimeRow.key"] = "whatsapp",
        ["ResponseTimeRow.opened"] = 1240,
        ["ResponseTimeRow.reopened"] = 86,
        ["ResponseTimeRow.acknowledged"] = 1301,
        ["ResponseTimeRow.responded"] = 1288,
        ["ResponseTimeRow.resolved"] = 1179,
        ["DurationFigures.count"] = 1288,
        ["DurationFigures.mean"] = 845.5,
        ["DurationFigures.p50"] = 540,
        ["DurationFigures.p90"] = 3000,
        ["DurationFigures.p99"] = 9800,
        ["AnsweredWithin.within15Minutes"] = 0.61,
        ["AnsweredWithin.within1Hour"] = 0.9,
        ["AnsweredWithin.within24Hours"] = 0.99,
        ["FirstContactResolution.count"] = 702,
        ["FirstContactResolution.rate"] = 0.6359,
        ["SlaOutcome.met"] = 1150,
        ["SlaOutcome.breached"] = 38,
        ["VolumeRow.start"] = "2026-11-30T00:00:00+03:00",
        ["VolumeRow.key"] = "whatsapp",
        ["VolumeRow.inbound"] = 3120,
        ["VolumeRow.outbound"] = 2875,
        ["VolumeRow.newCustomers"] = 411,
        ["FeedbackRow.kind"] = "csat",
        ["FeedbackRow.key"] = "acme",
        ["FeedbackRow.responses"] = 212,
        ["FeedbackRow.mean"] = 4.31,
        ["FeedbackRow.score"] = 84.43,
        ["FeedbackRow.distribution"] = new JsonObject
        {
            ["1"] = 9,
            ["2"] = 7,
            ["3"] = 17,
            ["4"] = 52,
            ["5"] = 127,
        },
        ["ConversationFeedbackReceived.kind"] = "csat",
        ["ConversationFeedbackReceived.score"] = 4,
        ["ConversationFeedbackReceivedEvent.kind"] = "csat",
        ["ConversationFeedbackReceivedEvent.score"] = 4,
        ["FeedbackRequest.score"] = 4,
        ["FeedbackRequest.comment"] = "Quick and kind, thank you 🙏",
        ["firstResponse"] = "PT1H",
        ["nextResponse"] = "PT4H",
        ["resolution"] = "P1D",
        ["warnBefore"] = "PT10M",
        ["policyName"] = "Standard",
        ["SlaPolicyRequest.name"] = "Standard",
        ["SlaPolicyResponse.name"] = "Standard",
    };

    /// <summary>An example of <paramref name="schema"/>; <paramref name="scope"/> is the component being filled (a
    /// <c>ConversationView</c>'s <c>id</c> differs from its customer's), <paramref name="field"/> the field.</summary>
    public static JsonNode? Build(
        JsonNode? schema,
        Func<string, JsonNode?> resolve,
        string? field = null,
        int depth = 0,
        string scope = ""
    )
    {
        if (schema is not JsonObject s || depth > 12)
        {
            return null;
        }

        if (s["$ref"] is JsonValue reference)
        {
            var target = reference.GetValue<string>();
            return Build(resolve(target), resolve, field, depth + 1, target[(target.LastIndexOf('/') + 1)..]);
        }

        if (s["examples"] is JsonArray { Count: > 0 } examples)
        {
            return examples[0]?.DeepClone();
        }

        if (s["const"] is { } constant)
        {
            return constant.DeepClone();
        }

        if (s["enum"] is JsonArray { Count: > 0 } values)
        {
            return values.FirstOrDefault(v => v is not null)?.DeepClone();
        }

        if ((s["oneOf"] ?? s["anyOf"]) is JsonArray { Count: > 0 } oneOf)
        {
            return Build(oneOf[0], resolve, field, depth + 1, scope);
        }

        return TypeOf(s) switch
        {
            "object" => Object(s, resolve, depth, scope),
            "array" => new JsonArray(Build(s["items"], resolve, Singular(field), depth + 1, scope)),
            "integer" => Sample(scope, field) is JsonValue sample
            && sample.GetValueKind() == System.Text.Json.JsonValueKind.Number
                ? sample
            : s["minimum"] is JsonValue min ? min.DeepClone()
            : 1,
            "number" => 42.5,
            "boolean" => true,
            "string" => Fitted(s, Text(s, field, scope)),
            _ => field is "metadata" ? new JsonObject { ["followers"] = 1200 } : null,
        };
    }

    private static JsonNode? Sample(string scope, string? field) =>
        field is null
            ? null
            : (ByField.GetValueOrDefault($"{scope}.{field}") ?? ByField.GetValueOrDefault(field))?.DeepClone();

    private static JsonObject Object(JsonObject schema, Func<string, JsonNode?> resolve, int depth, string scope)
    {
        var result = new JsonObject();
        foreach (var (name, property) in schema["properties"] as JsonObject ?? [])
        {
            result[name] = Build(property, resolve, name, depth + 1, scope);
        }

        return result;
    }

    private static string? TypeOf(JsonObject schema) =>
        schema["type"] switch
        {
            JsonValue single => single.GetValue<string>(),
            JsonArray many => many.Select(t => t?.GetValue<string>()).FirstOrDefault(t => t != "null"),
            _ => schema["properties"] is not null ? "object" : null,
        };

    private static string? Singular(string? field) =>
        field switch
        {
            null => null,
            "tags" or "add" or "remove" => "tag",
            "brands" => "brand",
            "channelTypes" => "channelType",
            "eventTypes" => "eventType",
            _ when field.EndsWith('s') => field[..^1],
            _ => field,
        };

    private static JsonNode Text(JsonObject schema, string? field, string scope) =>
        schema["format"]?.GetValue<string>() switch
        {
            "uuid" => StableGuid(field is null or "id" ? $"{scope}.id" : field).ToString(),
            "date-time" => "2026-12-01T09:30:00+00:00",
            "date" => "2026-12-02",
            "uri" => "https://crm.example.com/hooks/socialcare",
            _ => Sample(scope, field) is JsonValue text && text.GetValueKind() == System.Text.Json.JsonValueKind.String
                ? text
                : field ?? "string",
        };

    /// <summary>A named sample that breaks the field's pattern (a template's name is snake_case) is made to fit it.</summary>
    private static JsonNode Fitted(JsonObject schema, JsonNode value)
    {
        if (schema["pattern"] is not JsonValue pattern || value.GetValueKind() != System.Text.Json.JsonValueKind.String)
        {
            return value;
        }

        var text = value.GetValue<string>();
        return System.Text.RegularExpressions.Regex.IsMatch(text, pattern.GetValue<string>())
            ? value
            : System.Text.RegularExpressions.Regex.Replace(text.ToLowerInvariant(), "[^a-z0-9_]+", "_");
    }

    /// <summary>The same id for the same field everywhere, so the examples of one story agree with each other.</summary>
    private static Guid StableGuid(string field)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(field));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x70);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }
}
