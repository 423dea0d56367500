using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace SocialCare.Api.Tests.Support;

/// <summary>
/// Every status a test hub answered, per operation (its endpoint name, the document's <c>operationId</c>): when the hub
/// is disposed, each must be documented for that operation in contracts/openapi/v1.json (which equals the served
/// document, see <c>OpenApiContract</c>), or the test or fixture that provoked it fails. A client generated from the
/// document has no type for an answer it does not list.
/// </summary>
public sealed class StatusRecorder : IStartupFilter
{
    private static readonly Lazy<Dictionary<string, HashSet<int>>> Documented = new(ReadDocument);

    private readonly ConcurrentDictionary<(string Operation, int Status), string> _seen = new();

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) =>
        app =>
        {
            app.Use(
                async (context, following) =>
                {
                    await following(context);
                    if (context.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>() is { } name)
                    {
                        _seen.TryAdd(
                            (name.EndpointName, context.Response.StatusCode),
                            $"{context.Request.Method} {context.Request.Path}"
                        );
                    }
                }
            );
            next(app);
        };

    /// <summary>The answers no document entry covers, one line each.</summary>
    public IReadOnlyList<string> Undocumented() =>
        _seen
            .Where(s =>
                Documented.Value.TryGetValue(s.Key.Operation, out var statuses) && !statuses.Contains(s.Key.Status)
            )
            .Select(s => $"{s.Key.Operation} answered {s.Key.Status} (e.g. {s.Value})")
            .Order(StringComparer.Ordinal)
            .ToList();

    private static Dictionary<string, HashSet<int>> ReadDocument()
    {
        var document = JsonNode.Parse(
            File.ReadAllText(Path.Combine(RepositoryRoot.Path, "contracts", "openapi", "v1.json"))
        )!;
        var operations = new Dictionary<string, HashSet<int>>(StringComparer.Ordinal);
        foreach (var (_, item) in document["paths"]!.AsObject())
        {
            foreach (var (_, operation) in item!.AsObject())
            {
                operations[operation!["operationId"]!.GetValue<string>()] = operation["responses"]!
                    .AsObject()
                    .SelectMany(r => StatusRecorder.StatusesOf(r.Key))
                    .ToHashSet();
            }
        }

        return operations;
    }

    /// <summary>The statuses a response key of the document stands for: <c>404</c>, or a range such as
    /// <c>5XX</c>.</summary>
    public static IEnumerable<int> StatusesOf(string key) =>
        key.EndsWith("XX", StringComparison.Ordinal)
            ? Enumerable.Range((key[0] - '0') * 100, 100)
            : [int.Parse(key, System.Globalization.CultureInfo.InvariantCulture)];
}
