using Microsoft.OpenApi;

namespace SocialCare.Api.Infrastructure.OpenApi;

/// <summary>An optional request header, as the features' operation filters document them.</summary>
public static class HeaderParameter
{
    public static OpenApiParameter Optional(string name, string description, int? maxLength = null) =>
        new()
        {
            Name = name,
            In = ParameterLocation.Header,
            Required = false,
            Description = description,
            Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = maxLength },
        };
}
