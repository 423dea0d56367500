using System.Net;
using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using SocialCare.Api.Authorization;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Abuse;

public sealed record OperationParameter(string Name, string In, JsonObject Schema);

/// <summary>Who may call an operation: nobody needs a key (platform hooks), the admin key only, or workspace keys (with
/// these scopes).</summary>
public sealed record Access(bool Anonymous, bool AdminOnly, bool WorkspaceOnly, IReadOnlyList<string> Scopes);

/// <summary>One operation of the served OpenAPI document, its schemas resolved, and what its endpoint requires of a
/// key.</summary>
public sealed record ServedOperation(
    string Method,
    string Path,
    string Id,
    IReadOnlyList<OperationParameter> Parameters,
    JsonObject? Body,
    bool BodyRequired,
    Access Access,
    IReadOnlySet<int> Statuses
)
{
    public IEnumerable<OperationParameter> PathParameters => Parameters.Where(p => p.In == "path");

    public IEnumerable<OperationParameter> QueryParameters => Parameters.Where(p => p.In == "query");

    public bool IsHook => Path.StartsWith("/v1/hooks/", StringComparison.Ordinal);

    public override string ToString() => $"{Method} {Path}";
}

/// <summary>Reads the routes from the document the hub serves, so that a route added later is attacked without editing
/// the suite.</summary>
public static class ServedOperations
{
    private static readonly NullabilityInfoContext Nullability = new();

    public static async Task<IReadOnlyList<ServedOperation>> ReadAsync(HubFactory hub)
    {
        using var client = hub.CreateClient();
        var document = await HubApi.ReadJson(await client.GetAsync("/swagger/v1/swagger.json"), HttpStatusCode.OK);
        var schemas = document["components"]!["schemas"]!.AsObject();
        var endpoints = hub
            .Services.GetServices<EndpointDataSource>()
            .SelectMany(s => s.Endpoints)
            .Where(e => e.Metadata.GetMetadata<IEndpointNameMetadata>() is not null)
            .ToDictionary(e => e.Metadata.GetMetadata<IEndpointNameMetadata>()!.EndpointName);
        var policies = hub.Services.GetRequiredService<IAuthorizationPolicyProvider>();
        var operations = new List<ServedOperation>();
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                var id =
                    operation!["operationId"]?.GetValue<string>()
                    ?? throw new AssertionException(
                        $"{method.ToUpperInvariant()} {path} has no operationId: name the route with .WithName(…)."
                    );
                var parameters =
                    operation["parameters"]
                        ?.AsArray()
                        .Select(p => new OperationParameter(
                            p!["name"]!.GetValue<string>(),
                            p["in"]!.GetValue<string>(),
                            Resolve(p["schema"]!, schemas, null)
                        ))
                        .ToList()
                    ?? [];
                var bodyType = endpoints[id].Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;
                var body = operation["requestBody"]?["content"]?["application/json"]?["schema"] is { } schema
                    ? Resolve(schema, schemas, bodyType)
                    : null;
                operations.Add(
                    new ServedOperation(
                        method.ToUpperInvariant(),
                        path,
                        id,
                        parameters,
                        body,
                        operation["requestBody"]?["required"]?.GetValue<bool>() ?? false,
                        await AccessAsync(endpoints[id], policies),
                        operation["responses"]!.AsObject().SelectMany(r => StatusRecorder.StatusesOf(r.Key)).ToHashSet()
                    )
                );
            }
        }

        return operations;
    }

    private static async Task<Access> AccessAsync(Endpoint endpoint, IAuthorizationPolicyProvider policies)
    {
        if (
            endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null
            || endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Count == 0
        )
        {
            return new Access(true, false, false, []);
        }

        var requirements = new List<IAuthorizationRequirement>();
        foreach (var data in endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>())
        {
            var policy = data.Policy is null
                ? await policies.GetDefaultPolicyAsync()
                : await policies.GetPolicyAsync(data.Policy);
            requirements.AddRange(policy!.Requirements);
        }

        var claims = requirements.OfType<ClaimsAuthorizationRequirement>().ToList();
        return new Access(
            false,
            requirements.OfType<RolesAuthorizationRequirement>().Any(),
            claims.Any(c => c.ClaimType == ApiPrincipal.WorkspaceClaim),
            claims
                .Where(c => c.ClaimType == ApiPrincipal.ScopeClaim)
                .SelectMany(c => c.AllowedValues ?? [])
                .Distinct()
                .ToList()
        );
    }

    /// <summary>
    /// The schema with every <c>$ref</c> replaced by a copy of what it names. The document does not say that a
    /// <c>$ref</c> member may be null, so that is read from the CLR type the endpoint binds (<paramref name="type"/>).
    /// </summary>
    private static JsonObject Resolve(JsonNode schema, JsonObject schemas, Type? type, int depth = 0)
    {
        if (depth > 10)
        {
            return [];
        }

        var resolved = schema["$ref"] is { } reference
            ? schemas[reference.GetValue<string>().Split('/')[^1]]!.DeepClone().AsObject()
            : schema.DeepClone().AsObject();
        if (resolved["properties"] is JsonObject properties)
        {
            foreach (var name in properties.Select(p => p.Key).ToList())
            {
                var property = type?.GetProperty(
                    name,
                    BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase
                );
                var member = Resolve(
                    properties[name]!,
                    schemas,
                    property is null ? null : ItemOrSelf(property.PropertyType),
                    depth + 1
                );
                if (
                    properties[name]!["$ref"] is not null
                    && property is not null
                    && (
                        Nullable.GetUnderlyingType(property.PropertyType) is not null
                        || Nullability.Create(property).ReadState == NullabilityState.Nullable
                    )
                )
                {
                    member["nullable"] = true;
                }

                properties[name] = member;
            }
        }

        if (resolved["items"] is { } items)
        {
            resolved["items"] = Resolve(items, schemas, type, depth + 1);
        }

        return resolved;
    }

    private static Type ItemOrSelf(Type type) =>
        type != typeof(string)
        && type.GetInterfaces()
            .Append(type)
            .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))
            is { } enumerable
            ? enumerable.GetGenericArguments()[0]
            : Nullable.GetUnderlyingType(type) ?? type;
}
