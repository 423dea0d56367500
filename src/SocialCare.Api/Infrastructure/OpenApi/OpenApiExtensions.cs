using Microsoft.OpenApi;

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
                }
            );
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
            options.SupportNonNullableReferenceTypes();
            options.CustomSchemaIds(type =>
                type.FullName!.Replace("SocialCare.Api.", string.Empty, StringComparison.Ordinal).Replace('+', '.')
            );
        });
        return services;
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

        app.UseSwagger();
        app.UseSwaggerUI(ui =>
        {
            ui.SwaggerEndpoint("/swagger/v1/swagger.json", "SocialCare Hub API v1");
            ui.DocumentTitle = "SocialCare Hub API";
        });
        return app;
    }
}
