using Microsoft.OpenApi;
using SocialCare.Api.Infrastructure.Problems;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace SocialCare.Api.Infrastructure.OpenApi;

/// <summary>
/// Every error in the document is one schema, <c>Problem</c> (RFC 9457 with the hub's <c>code</c>, <c>traceId</c>
/// and, for validation, <c>errors</c>), served as <c>application/problem+json</c>; <c>code</c> is an enum of every
/// <see cref="ProblemCodes"/> value, so a generated client can switch on it. The statuses any operation of a kind can
/// answer are added here once: 400, 413 and 415 where there is a body, 404 where the path names a resource.
/// </summary>
internal sealed class ProblemResponsesFilter : IOperationFilter, IDocumentFilter
{
    public const string SchemaName = "Problem";

    /// <summary>Any 5xx: every operation can meet one, so every operation documents it, as one range.</summary>
    private const string ServerError = "5XX";
    private const string ProblemJson = "application/problem+json";

    private static readonly Dictionary<string, string> Descriptions = new(StringComparer.Ordinal)
    {
        ["400"] =
            "The request cannot be read or is not valid: `malformed-json`, `validation-failed` (see `errors`), "
            + "`unsupported-character`, `bad-request`.",
        ["401"] = "Missing, malformed, revoked or unknown credentials: `unauthorized`, `invalid-signature`.",
        ["403"] = "The key lacks the scope or brand this needs: `forbidden`.",
        ["404"] = "No such resource in the key's workspace and brands: `not-found`.",
        ["409"] =
            "The resource is not in a state where this makes sense; `code` says which. On any change, `conflict` also "
            + "when a concurrent change to the same data won inside the database (a deadlock, a serialization failure): "
            + "nothing took effect; retry.",
        ["412"] = "`If-Match` names a version that is no longer current: `precondition-failed`.",
        ["413"] = "The body is larger than the hub accepts: `payload-too-large`.",
        ["415"] = "The body is not `application/json`: `unsupported-media-type`.",
        ["422"] = "Well-formed, but refused by a rule of the hub; `code` says which.",
        ["429"] = "Rate limited; `Retry-After` says when to try again: `rate-limited`.",
        [ServerError] =
            "The hub failed (`internal-error`), or its database is unreachable for the moment (`service-unavailable`, "
            + "503, with `Retry-After`): retry with backoff. Nothing the request asked for was accepted unless a retry "
            + "says so.",
    };

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        operation.Responses ??= new OpenApiResponses();
        // Any request can be refused as unreadable: a query value of the wrong type, a NUL in a header.
        operation.Responses.TryAdd("400", new OpenApiResponse());
        operation.Responses.TryAdd(ServerError, new OpenApiResponse());
        if (operation.RequestBody is not null)
        {
            operation.Responses.TryAdd("413", new OpenApiResponse());
            operation.Responses.TryAdd("415", new OpenApiResponse());
        }

        // Any change can lose a race inside PostgreSQL (ApiExceptionHandler answers 409 conflict).
        if (!HttpMethods.IsGet(context.ApiDescription.HttpMethod ?? HttpMethods.Get))
        {
            operation.Responses.TryAdd("409", new OpenApiResponse());
        }

        if (context.ApiDescription.ParameterDescriptions.Any(p => p.Source.Id == "Path"))
        {
            operation.Responses.TryAdd("404", new OpenApiResponse());
        }
    }

    /// <summary>After every operation filter (features add statuses of their own): each error response becomes the
    /// Problem, and the responses go in status order, as a reader scans them.</summary>
    public void Apply(OpenApiDocument swaggerDoc, DocumentFilterContext context)
    {
        swaggerDoc.Components ??= new OpenApiComponents();
        swaggerDoc.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        swaggerDoc.Components.Schemas[SchemaName] = Schema();
        // ASP.NET's own problem types, which the operations no longer name.
        swaggerDoc.Components.Schemas.Remove("ProblemDetails");
        swaggerDoc.Components.Schemas.Remove("HttpValidationProblemDetails");
        var operations = (swaggerDoc.Paths ?? new OpenApiPaths()).Values.SelectMany(p =>
            p.Operations?.Values.AsEnumerable() ?? []
        );
        foreach (var operation in operations)
        {
            if (operation.Responses is not { } responses)
            {
                continue;
            }

            var ordered = responses.OrderBy(r => r.Key, StringComparer.Ordinal).ToList();
            responses.Clear();
            foreach (var (status, response) in ordered)
            {
                responses[status] =
                    (int.TryParse(status, out var code) && code >= 400) || status == ServerError
                        ? AsProblem(status, response, swaggerDoc)
                        : response;
                if (responses[status] is OpenApiResponse documented && Header(status) is var (name, header))
                {
                    documented.Headers ??= new Dictionary<string, IOpenApiHeader>();
                    documented.Headers[name] = header;
                }
            }
        }
    }

    /// <summary>The header a status always carries here: a 201 the new resource's <c>Location</c>, a 429 when to
    /// retry.</summary>
    private static (string Name, OpenApiHeader Header)? Header(string status) =>
        status switch
        {
            "201" => (
                "Location",
                new OpenApiHeader
                {
                    Description = "The path of the resource created.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uri-reference" },
                }
            ),
            "429" => (
                "Retry-After",
                new OpenApiHeader
                {
                    Description = "Seconds to wait before trying again.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "0" },
                }
            ),
            _ => null,
        };

    private static OpenApiResponse AsProblem(string status, IOpenApiResponse response, OpenApiDocument document) =>
        new()
        {
            Description =
                response.Description is { Length: > 0 } own
                && int.TryParse(status, out var code)
                && own != Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(code)
                    ? own
                    : Descriptions.GetValueOrDefault(status, "A problem; `code` says which."),
            Headers = response.Headers,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                [ProblemJson] = new() { Schema = new OpenApiSchemaReference(SchemaName, document) },
            },
        };

    private static OpenApiSchema Schema() =>
        new()
        {
            Type = JsonSchemaType.Object,
            Description = "An RFC 9457 problem. Switch on `code`; `title` and `detail` are for people and may change.",
            Required = new HashSet<string> { "type", "title", "status", "code" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["type"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Description = "`urn:socialcare:problem:` and the code.",
                    Examples =
                    [
                        System.Text.Json.Nodes.JsonValue.Create(ProblemCodes.TypePrefix + ProblemCodes.NotFound),
                    ],
                },
                ["title"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "A short summary." },
                ["status"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Integer,
                    Format = "int32",
                    Minimum = "400",
                    Maximum = "599",
                    Description = "The HTTP status, repeated.",
                },
                ["detail"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Description = "What went wrong with this request, for people.",
                    // Kiota makes it the generated exception's Message.
                    Extensions = new Dictionary<string, IOpenApiExtension>
                    {
                        ["x-ms-primary-error-message"] = new JsonNodeExtension(true),
                    },
                },
                ["instance"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Description = "The request's method and path.",
                },
                ["code"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Description = "The stable problem code (docs/problems.md).",
                    Enum = ProblemCodes.All.Select(c => (System.Text.Json.Nodes.JsonNode)c).ToList(),
                },
                ["traceId"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Description = "The W3C trace id of the request; quote it when reporting a problem.",
                },
                ["errors"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Description = "For `validation-failed`: the messages per JSON path of the request body.",
                    AdditionalProperties = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Array,
                        Items = new OpenApiSchema { Type = JsonSchemaType.String },
                    },
                },
            },
        };
}
