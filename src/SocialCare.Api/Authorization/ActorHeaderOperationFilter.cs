using Microsoft.AspNetCore.Authorization;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace SocialCare.Api.Authorization;

/// <summary>
/// <c>X-Actor</c> in the OpenAPI document: on every change a workspace key makes, the person the department app acts
/// for, recorded with the key's app name as the events' actor (<see cref="Actors"/>).
/// </summary>
internal sealed class ActorHeaderOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
        if (
            context.ApiDescription.HttpMethod is "GET" or "HEAD"
            || !metadata.OfType<IAuthorizeData>().Any()
            || metadata.OfType<IAllowAnonymous>().Any()
        )
        {
            return;
        }

        operation.Parameters ??= [];
        operation.Parameters.Add(
            Infrastructure.OpenApi.HeaderParameter.Optional(
                Actors.PersonHeader,
                "The person the app acts for (an agent's name or id), recorded in the events' `actor.person` (`actor.name` is the key's name); at "
                    + "most 200 characters are kept."
            )
        );
    }
}
