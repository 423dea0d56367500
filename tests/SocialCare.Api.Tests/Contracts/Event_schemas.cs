using System.Text.Json.Schema;
using SocialCare.Api.EventLog;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Contracts;

/// <summary>A JSON Schema per event type under contracts/schemas, generated from the contract records.</summary>
public sealed class Event_schemas
{
    private static IEnumerable<string> EventTypes() => EventTypeRegistry.Names.Order(StringComparer.Ordinal);

    [TestCaseSource(nameof(EventTypes))]
    public async Task Checked_in_schema_matches_the_contract(string eventType)
    {
        var schema = EventTypeRegistry
            .Json.GetJsonSchemaAsNode(
                EventTypeRegistry.All[eventType],
                new JsonSchemaExporterOptions { TreatNullObliviousAsNonNullable = true }
            )
            .AsObject();
        schema.Insert(0, "$schema", "https://json-schema.org/draft/2020-12/schema");
        schema.Insert(1, "$id", $"urn:socialcare:event:{eventType}");
        schema.Insert(2, "title", eventType);
        await CheckedInContracts.AssertMatchesAsync(schema, CheckedInContracts.Path("schemas", $"{eventType}.json"));
    }

    [Test]
    public void Every_contract_has_a_stable_dotted_name() =>
        Assert.That(EventTypes(), Is.All.Matches(@"^[a-z]+(_[a-z]+)*\.[a-z]+(_[a-z]+)*$"));
}
