using System.Reflection;
using System.Text.Json;
using Microsoft.OpenApi;
using SocialCare.Api.EventLog;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace SocialCare.Api.Infrastructure.OpenApi;

/// <summary>
/// Marks each field of the API's requests and read models that holds a customer's personal data (<c>[Pii]</c> on the
/// model, as on the event contracts) with <c>x-pii</c> and its category, so that the OpenAPI document says what the
/// event schemas say (docs/privacy.md). In what the hub answers (every model but a request), such a field may be null:
/// a key without <c>pii:read</c> reads it redacted, and an erased customer's is gone.
/// </summary>
internal sealed class PersonalDataFilter : ISchemaFilter
{
    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (schema is not OpenApiSchema { Properties: { Count: > 0 } properties })
        {
            return;
        }

        var members = context
            .Type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0)
            .DistinctBy(p => p.Name)
            .ToDictionary(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name), StringComparer.Ordinal);
        foreach (var (field, property) in properties)
        {
            if (
                property is OpenApiSchema target
                && members.TryGetValue(field, out var member)
                && PiiFields.Of(member, context.Type, field) is { } category
            )
            {
                target.Extensions ??= new Dictionary<string, IOpenApiExtension>();
                target.Extensions["x-pii"] = new JsonNodeExtension(category);
                if (!context.Type.Name.EndsWith("Request", StringComparison.Ordinal) && target.Type is { } type)
                {
                    target.Type = type | JsonSchemaType.Null;
                }
            }
        }
    }
}
