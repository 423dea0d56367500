using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace SocialCare.Api.Infrastructure.OpenApi;

/// <summary>Marks an operation that honours <c>If-Match</c> on a versioned resource (a conversation, a brand) and
/// answers its new version as <c>ETag</c>.</summary>
public sealed record IfMatchMetadata(string Resource)
{
    public static readonly IfMatchMetadata Conversation = new("conversation");
}

/// <summary>Marks a read that answers the resource's version as <c>ETag</c>.</summary>
public sealed record ETagMetadata(string Resource);

/// <summary>
/// Optimistic concurrency in the OpenAPI document: <c>If-Match</c> on a change of a versioned resource (412 when it
/// moved on), and the <c>ETag</c> a change or a read of it answers with.
/// </summary>
internal sealed class PreconditionsOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
        var change = metadata.OfType<IfMatchMetadata>().FirstOrDefault();
        var resource = change?.Resource ?? metadata.OfType<ETagMetadata>().FirstOrDefault()?.Resource;
        if (resource is null)
        {
            return;
        }

        if (change is not null)
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(
                HeaderParameter.Optional(
                    "If-Match",
                    $"The {resource}'s ETag as last read: the change is made only if it is still current, else 412 "
                        + "`precondition-failed`."
                )
            );
        }

        foreach (var (_, response) in (operation.Responses ?? []).Where(r => r.Key.StartsWith('2')))
        {
            if (response is OpenApiResponse { } success && success.Content is { Count: > 0 })
            {
                success.Headers ??= new Dictionary<string, IOpenApiHeader>();
                success.Headers["ETag"] = new OpenApiHeader
                {
                    Description =
                        $"The {resource}'s version, quoted (`\"7\"`): send it as `If-Match` with the next change.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                };
            }
        }
    }
}
