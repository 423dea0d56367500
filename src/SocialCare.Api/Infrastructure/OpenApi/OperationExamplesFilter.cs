using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace SocialCare.Api.Infrastructure.OpenApi;

/// <summary>
/// An example for every JSON request body and success answer, built from the operation's schemas by
/// <see cref="SchemaExamples"/> (so it follows the schema's enums, formats and field meanings), unless the operation
/// states its own. The lint (Redocly's <c>no-invalid-media-type-examples</c>) checks each against its schema.
/// </summary>
internal sealed class OperationExamplesFilter : IDocumentFilter
{
    public void Apply(OpenApiDocument swaggerDoc, DocumentFilterContext context)
    {
        var components = (swaggerDoc.Components?.Schemas ?? new Dictionary<string, IOpenApiSchema>()).ToDictionary(
            p => $"#/components/schemas/{p.Key}",
            p => ToJson(p.Value),
            StringComparer.Ordinal
        );
        JsonNode? Resolve(string reference) => components.GetValueOrDefault(reference);
        foreach (
            var operation in (swaggerDoc.Paths ?? new OpenApiPaths()).Values.SelectMany(p =>
                p.Operations?.Values.AsEnumerable() ?? []
            )
        )
        {
            var bodies = (operation.RequestBody?.Content ?? new Dictionary<string, OpenApiMediaType>())
                .Concat(
                    (operation.Responses ?? new OpenApiResponses())
                        .Where(r => r.Key.StartsWith('2'))
                        .SelectMany(r => r.Value.Content ?? new Dictionary<string, OpenApiMediaType>())
                )
                .Where(c => c.Key.EndsWith("json", StringComparison.Ordinal));
            foreach (var (_, media) in bodies)
            {
                if (media.Example is null && media.Examples is not { Count: > 0 } && media.Schema is { } schema)
                {
                    media.Example = SchemaExamples.Build(ToJson(schema), Resolve);
                }
            }
        }
    }

    private static JsonNode ToJson(IOpenApiSchema schema)
    {
        using var text = new StringWriter();
        schema.SerializeAsV31(new OpenApiJsonWriter(text));
        return JsonNode.Parse(text.ToString())!;
    }
}
