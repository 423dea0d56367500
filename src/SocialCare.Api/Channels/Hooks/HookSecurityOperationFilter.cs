using Microsoft.OpenApi;
using SocialCare.Api.Channels.Meta;
using SocialCare.Api.Channels.X;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace SocialCare.Api.Channels.Hooks;

/// <summary>
/// How a platform's webhook proves itself, in the OpenAPI document: no API key, but the platform's own signature over
/// the raw body (Meta's <c>X-Hub-Signature-256</c>, X's <c>x-twitter-webhooks-signature</c>), and for the handshake
/// Meta's verify token or nothing (X's CRC check is answered with a signature of ours).
/// </summary>
internal sealed class HookSecurityOperationFilter : IOperationFilter
{
    public const string MetaSignature = "metaSignature";
    public const string XSignature = "xSignature";
    public const string MetaVerifyToken = "metaVerifyToken";

    public static void AddSchemes(SwaggerGenOptions options)
    {
        options.AddSecurityDefinition(
            MetaSignature,
            new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = MetaGraph.SignatureHeader,
                Description =
                    "WhatsApp, Messenger and Instagram: `sha256=` and the hex HMAC-SHA256 of the raw body under the "
                    + "channel account's app secret.",
            }
        );
        options.AddSecurityDefinition(
            XSignature,
            new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = XConnector.SignatureHeader,
                Description = "X: `sha256=` and the base64 HMAC-SHA256 of the raw body under the consumer secret.",
            }
        );
        options.AddSecurityDefinition(
            MetaVerifyToken,
            new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Query,
                Name = "hub.verify_token",
                Description = "Meta's handshake: the verify token configured on the channel account.",
            }
        );
        options.OperationFilter<HookSecurityOperationFilter>();
    }

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var name = context
            .ApiDescription.ActionDescriptor.EndpointMetadata.OfType<IEndpointNameMetadata>()
            .FirstOrDefault();
        var schemes = name?.EndpointName switch
        {
            HooksApi.ReceiveName => new string?[] { MetaSignature, XSignature },
            HooksApi.VerifyName => [MetaVerifyToken, null],
            _ => null,
        };
        if (schemes is null)
        {
            return;
        }

        // Alternatives: any one of them; an empty requirement is "none" (X's CRC check carries no credential).
        operation.Security = schemes
            .Select(scheme =>
                scheme is null
                    ? new OpenApiSecurityRequirement()
                    : new OpenApiSecurityRequirement
                    {
                        [new OpenApiSecuritySchemeReference(scheme, context.Document)] = [],
                    }
            )
            .ToList();
    }
}
