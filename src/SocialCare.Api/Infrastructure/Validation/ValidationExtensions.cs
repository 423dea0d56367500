using FluentValidation;
using SocialCare.Api.Infrastructure.Problems;

namespace SocialCare.Api.Infrastructure.Validation;

public static class ValidationExtensions
{
    /// <summary>Registers every FluentValidation validator of this assembly (they are stateless: one instance
    /// each).</summary>
    public static IServiceCollection AddValidators(this IServiceCollection services)
    {
        // Field errors name fields the way the JSON does: "author.platformUserId", not "Author.PlatformUserId".
        ValidatorOptions.Global.PropertyNameResolver = (_, member, _) =>
            member is null ? null : System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(member.Name);
        return services.AddValidatorsFromAssemblyContaining(
            typeof(ValidationExtensions),
            ServiceLifetime.Singleton,
            includeInternalTypes: true
        );
    }

    /// <summary>Refuses values PostgreSQL would refuse, in any part of any request, before a binder or handler sees
    /// them.</summary>
    public static IApplicationBuilder UseStorableInput(this IApplicationBuilder app) =>
        app.UseMiddleware<StorableInputMiddleware>();

    /// <summary>Validates the <typeparamref name="T"/> argument before the handler runs; 400 problem with field errors
    /// otherwise.</summary>
    public static RouteHandlerBuilder Validate<T>(this RouteHandlerBuilder builder) =>
        builder.Validate<T>(bodyRequired: true);

    /// <summary>As <see cref="Validate{T}(RouteHandlerBuilder)"/>, for a body the request may leave out (nothing to
    /// validate then).</summary>
    public static RouteHandlerBuilder ValidateIfPresent<T>(this RouteHandlerBuilder builder) =>
        builder.Validate<T>(bodyRequired: false);

    private static RouteHandlerBuilder Validate<T>(this RouteHandlerBuilder builder, bool bodyRequired) =>
        builder
            .AddEndpointFilter(
                async (context, next) =>
                {
                    var argument = context.Arguments.OfType<T>().FirstOrDefault();
                    if (argument is null)
                    {
                        return bodyRequired
                            ? Problem.Validation(
                                new Dictionary<string, string[]> { [""] = ["A JSON request body is required."] }
                            )
                            : await next(context);
                    }

                    var validator = context.HttpContext.RequestServices.GetRequiredService<IValidator<T>>();
                    var result = await validator.ValidateAsync(argument, context.HttpContext.RequestAborted);
                    if (!result.IsValid)
                    {
                        return Problem.Validation(result.ToDictionary());
                    }

                    return await next(context);
                }
            )
            .ProducesValidationProblem();
}
