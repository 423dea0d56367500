using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace SocialCare.Api.Infrastructure.OpenApi;

public static class OpenApiExtensions
{
    public const string BearerScheme = "bearer";
    public const string ServeSetting = "OpenApi:Serve";

    public static IServiceCollection AddOpenApiDocs(this IServiceCollection services)
    {
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(options =>
        {
            options.SwaggerDoc(
                "v1",
                new OpenApiInfo
                {
                    Title = "SocialCare Hub API",
                    Version = "v1",
                    Description =
                        "Social engagements in, one shared conversation context, events out. "
                        + "Errors are RFC 9457 problem details with a stable `code`.",
                    License = new OpenApiLicense
                    {
                        Name = "Proprietary: for SocialCare Hub's workspaces and partners",
                        Identifier = "LicenseRef-SocialCare-Proprietary",
                    },
                }
            );
            // Where a deployment serves it; the default is what ./infra/dev.sh run listens on.
            options.AddServer(
                new OpenApiServer
                {
                    Url = "{origin}",
                    Description = "A SocialCare Hub deployment",
                    Variables = new Dictionary<string, OpenApiServerVariable>
                    {
                        ["origin"] = new()
                        {
                            Default = "http://127.0.0.1:8080",
                            Description = "The hub's scheme, host and port.",
                        },
                    },
                }
            );
            options.DocumentFilter<TagDescriptionsFilter>();
            options.AddSecurityDefinition(
                BearerScheme,
                new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = BearerScheme,
                    Description = "A workspace API key (`sch_…`) or, for workspace administration, the admin key.",
                }
            );
            options.OperationFilter<BearerSecurityOperationFilter>();
            options.OperationFilter<ProblemResponsesFilter>();
            options.OperationFilter<ParameterDescriptionsFilter>();
            options.OperationFilter<PreconditionsOperationFilter>();
            // The models' and contracts' XML comments are the descriptions of their schemas and properties (before
            // the rules filter, which lays them out on one line).
            options.IncludeXmlComments(typeof(OpenApiExtensions).Assembly, includeControllerXmlComments: false);
            options.IncludeXmlComments(typeof(Contracts.HubEvent).Assembly);
            options.SchemaFilter<SchemaRulesFilter>();
            options.SchemaFilter<PersonalDataFilter>();
            options.DocumentFilter<ProblemResponsesFilter>();
            options.SupportNonNullableReferenceTypes();
            options.CustomSchemaIds(SchemaId);
        });
        // After every module's filters: the examples follow the document's final schemas.
        services.PostConfigure<SwaggerGenOptions>(options =>
        {
            options.DocumentFilter<OperationExamplesFilter>();
            options.DocumentFilter<OneLineDescriptionsFilter>();
        });
        return services;
    }

    /// <summary>
    /// A schema's name in the document: the type's own name, which stays the same when namespaces or the assembly's
    /// version change, and a page of items is the item's name and <c>Page</c> (<c>ChannelPage</c> for
    /// <c>Page&lt;ChannelResponse&gt;</c>). Two types of one name would make the document fail to generate, which
    /// the contract tests would show at once.
    /// </summary>
    public static string SchemaId(Type type)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Page<>))
        {
            var item = type.GetGenericArguments()[0].Name;
            foreach (var suffix in new[] { "Response", "Summary", "View" })
            {
                if (item.EndsWith(suffix, StringComparison.Ordinal))
                {
                    item = item[..^suffix.Length];
                    break;
                }
            }

            return item + "Page";
        }

        return type.IsGenericType
            ? type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)]
                + string.Concat(type.GetGenericArguments().Select(SchemaId))
            : type.Name;
    }

    /// <summary>
    /// Serves the OpenAPI document and Swagger UI when <c>OpenApi:Serve</c> says so; by default only in Development. A
    /// deployment publishes its contract (contracts/openapi/v1.json) rather than a browsable console on every instance.
    /// </summary>
    public static WebApplication MapOpenApiDocs(this WebApplication app)
    {
        if (!(app.Configuration.GetValue<bool?>(ServeSetting) ?? app.Environment.IsDevelopment()))
        {
            return app;
        }

        app.UseSwagger(options => options.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1);
        app.UseSwaggerUI(ui =>
        {
            ui.SwaggerEndpoint("/swagger/v1/swagger.json", "SocialCare Hub API v1");
            ui.DocumentTitle = "SocialCare Hub API";
        });
        return app;
    }
}
