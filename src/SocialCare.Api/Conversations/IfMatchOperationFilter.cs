using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace SocialCare.Api.Conversations;

/// <summary>Marks a conversation command that honours <c>If-Match</c> and answers the new version as
/// <c>ETag</c>.</summary>
internal sealed class IfMatchMetadata
{
    public static readonly IfMatchMetadata Instance = new();
}

/// <summary>
/// Optimistic concurrency in the OpenAPI document: <c>If-Match</c> on a conversation command (412 when the
/// conversation moved on), and the <c>ETag</c> a command or a read of the conversation answers with.
/// </summary>
internal sealed class IfMatchOperationFilter : IOperationFilter
{
    private static OpenApiHeader ETag =>
        new()
        {
            Description = "The conversation's version, quoted (`\"7\"`): send it as `If-Match` with the next command.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
        };

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
        var command = metadata.OfType<IfMatchMetadata>().Any();
        var read = metadata.OfType<IEndpointNameMetadata>().Any(n => n.EndpointName == ConversationsApi.GetName);
        if (!command && !read)
        {
            return;
        }

        if (command)
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(
                Infrastructure.OpenApi.HeaderParameter.Optional(
                    "If-Match",
                    "The conversation's ETag as last read: the command runs only if it is still current, else 412 "
                        + "`precondition-failed`."
                )
            );
        }

        foreach (var (_, response) in (operation.Responses ?? []).Where(r => r.Key.StartsWith('2')))
        {
            if (response is OpenApiResponse success)
            {
                success.Headers ??= new Dictionary<string, IOpenApiHeader>();
                success.Headers["ETag"] = ETag;
            }
        }
    }
}
