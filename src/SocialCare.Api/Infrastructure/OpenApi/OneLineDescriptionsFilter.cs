using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace SocialCare.Api.Infrastructure.OpenApi;

/// <summary>
/// The descriptions XML comments give request and response bodies, laid out on one line as the schema descriptions
/// are (<see cref="SchemaRulesFilter.OneLine"/>): generated code and reference pages do not keep the source's wrapping.
/// </summary>
internal sealed class OneLineDescriptionsFilter : IDocumentFilter
{
    public void Apply(OpenApiDocument swaggerDoc, DocumentFilterContext context)
    {
        var operations = (swaggerDoc.Paths ?? new OpenApiPaths()).Values.SelectMany(p =>
            p.Operations?.Values.AsEnumerable() ?? []
        );
        foreach (var operation in operations)
        {
            var media = (operation.RequestBody?.Content?.Values.AsEnumerable() ?? [])
                .Concat(
                    (operation.Responses?.Values.AsEnumerable() ?? []).SelectMany(r =>
                        r.Content?.Values.AsEnumerable() ?? []
                    )
                )
                .ToList();
            foreach (var schema in media.Select(m => m.Schema))
            {
                switch (schema)
                {
                    case OpenApiSchemaReference reference:
                        reference.Description = SchemaRulesFilter.OneLine(reference.Description);
                        break;
                    case OpenApiSchema own:
                        own.Description = SchemaRulesFilter.OneLine(own.Description);
                        break;
                }
            }
        }
    }
}
