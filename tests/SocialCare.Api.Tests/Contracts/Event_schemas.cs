using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using SocialCare.Api.EventLog;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Contracts;

/// <summary>A strict JSON Schema per event type under contracts/schemas, generated from the contract records.</summary>
public sealed class Event_schemas
{
    private static IEnumerable<string> EventTypes() => EventSchemas.Types.Keys;

    [TestCaseSource(nameof(EventTypes))]
    public async Task Checked_in_schema_matches_the_contract(string eventType) =>
        await CheckedInContracts.AssertMatchesAsync(
            EventSchemas.For(eventType),
            CheckedInContracts.Path("schemas", $"{eventType}.json")
        );

    [TestCaseSource(nameof(EventTypes))]
    public void Every_field_is_described_and_required_and_every_number_is_a_number(string eventType)
    {
        var fields = Objects(EventSchemas.For(eventType)).ToList();
        Assert.Multiple(() =>
        {
            foreach (var (path, schema) in fields)
            {
                var properties = schema["properties"]!.AsObject();
                Assert.That(
                    schema["required"]!.AsArray().Select(r => r!.GetValue<string>()),
                    Is.EquivalentTo(properties.Select(p => p.Key)),
                    path
                );
                foreach (var (name, property) in properties)
                {
                    Assert.That(
                        property!["description"]?.GetValue<string>(),
                        Is.Not.Null.And.Not.Empty,
                        $"{path}.{name}"
                    );
                    Assert.That(property.ToJsonString(), Does.Not.Contain("\"pattern\":\"^-?(?:0|[1-9]\\\\d*)$\""));
                }
            }
        });
    }

    [TestCaseSource(nameof(EventTypes))]
    public void The_example_is_valid_against_its_schema(string eventType)
    {
        var schema = EventSchemas.For(eventType);
        var example = schema["examples"]!.AsArray().Single();
        Assert.That(Errors(schema, example), Is.Empty);
    }

    [Test]
    public void A_body_that_breaks_the_schema_is_refused()
    {
        var schema = EventSchemas.For("conversation.priority_changed");
        var example = schema["examples"]!.AsArray().Single()!.DeepClone().AsObject();
        example["level"] = "whenever";
        example["sequence"] = "12";
        example.Remove("conversationId");
        Assert.That(Errors(schema, example), Has.Count.GreaterThanOrEqualTo(3));
    }

    [Test]
    public void Every_contract_has_a_stable_dotted_name() =>
        Assert.That(EventTypes(), Is.All.Matches(@"^[a-z]+(_[a-z]+)*\.[a-z]+(_[a-z]+)*$"));

    /// <summary>Every error a JSON Schema 2020-12 validator finds in <paramref name="instance"/>.</summary>
    internal static IReadOnlyList<string> Errors(JsonNode schema, JsonNode? instance)
    {
        var result = JsonSchema
            .FromText(schema.ToJsonString(), new BuildOptions { SchemaRegistry = new SchemaRegistry() })
            .Evaluate(
                JsonSerializer.SerializeToElement(instance),
                new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true }
            );
        return result.IsValid
            ? []
            : (result.Details ?? [])
                .Where(d => d.Errors is { Count: > 0 })
                .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))
                .ToList();
    }

    private static IEnumerable<(string Path, JsonObject Schema)> Objects(JsonNode? node, string path = "")
    {
        if (node is JsonObject o)
        {
            if (o["properties"] is JsonObject)
            {
                yield return (path, o);
            }

            foreach (var (name, child) in o)
            {
                foreach (var inner in Objects(child, $"{path}/{name}"))
                {
                    yield return inner;
                }
            }
        }
        else if (node is JsonArray a)
        {
            foreach (var inner in a.SelectMany((child, i) => Objects(child, $"{path}/{i}")))
            {
                yield return inner;
            }
        }
    }
}
