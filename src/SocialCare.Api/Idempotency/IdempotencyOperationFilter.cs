using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace SocialCare.Api.Idempotency;

/// <summary>Marks an endpoint whose POST honours <c>Idempotency-Key</c> (<see cref="IdempotentPostExtensions"/>), for
/// the OpenAPI document.</summary>
internal sealed class IdempotentPostMetadata
{
    public static readonly IdempotentPostMetadata Instance = new();
}

/// <summary>
/// What <c>Idempotency-Key</c> adds to a POST, in the OpenAPI document: the optional header, the
/// <c>Idempotent-Replayed</c> header on a replayed success, 409 while the first request with the key still runs and 422
/// when the key was used for another request.
/// </summary>
internal sealed class IdempotencyOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (
            context.ApiDescription.HttpMethod != HttpMethods.Post
            || !context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<IdempotentPostMetadata>().Any()
        )
        {
            return;
        }

        operation.Parameters ??= [];
        operation.Parameters.Add(
            Infrastructure.OpenApi.HeaderParameter.Optional(
                IdempotentPostFilter.Header,
                "A key of the client's choosing (a UUID is best), at most "
                    + $"{IdempotentPostFilter.MaxKeyLength} characters: a retry with the same key and request gets the "
                    + "first answer again, and the effect happens once. Keys are kept for Idempotency:KeyTtl (24 hours "
                    + "by default).",
                IdempotentPostFilter.MaxKeyLength
            )
        );
        operation.Responses ??= new OpenApiResponses();
        foreach (var (_, response) in operation.Responses.Where(r => r.Key.StartsWith('2')))
        {
            if (response is OpenApiResponse success)
            {
                success.Headers ??= new Dictionary<string, IOpenApiHeader>();
                success.Headers[IdempotentPostFilter.ReplayedHeader] = new OpenApiHeader
                {
                    Description = "`true` when this is the stored answer to an earlier request with the same key.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String, Enum = ["true"] },
                };
            }
        }

        operation.Responses.TryAdd(
            "409",
            new OpenApiResponse
            {
                Description =
                    "`idempotency-key-in-use`: the first request with this key is still running; or a state conflict.",
            }
        );
        operation.Responses.TryAdd(
            "422",
            new OpenApiResponse
            {
                Description =
                    "`idempotency-key-reused`: the key was used for another request; or a rule of the hub refused it.",
            }
        );
    }
}
