using System.Text.Json.Nodes;
using SocialCare.Api.EventLog;
using SocialCare.Contracts;

namespace SocialCare.Api.Tests.Contracts;

/// <summary>
/// Personal data is declared once, on the contracts (issue 20, point 1): the event schemas show every declared field
/// as <c>x-pii</c> and nothing else, and a field whose name says it holds what a customer is or wrote cannot be left
/// unclassified.
/// </summary>
public sealed class Personal_data
{
    /// <summary>Field names that hold a customer's identity or words wherever they appear.</summary>
    private static readonly string[] Personal =
    [
        "platformUserId",
        "displayName",
        "handle",
        "recipient",
        "threadKey",
        "text",
        "comment",
        "attachments",
        "metadata",
        "personalValues",
        "personalContext",
        "parameters",
    ];

    /// <summary>Fields so named that are not a customer's: a brand's name for people, a rule's reply templates, the
    /// retention policy's durations and counts.</summary>
    private static readonly string[] NotPersonal =
    [
        "brand.configured:displayName",
        "BrandConfiguredEvent:displayName",
        "BrandResponse:displayName",
        "PutBrandRequest:displayName",
        "RuleAction:texts",
        "retention.applied:attachments",
        "RetentionAppliedEvent:texts",
        "RetentionAppliedEvent:attachments",
        "RetentionPolicy:attachments",
        "RetentionView:attachments",
    ];

    private static IEnumerable<string> EventTypes() => EventSchemas.Types.Keys;

    /// <summary>Each property of a schema, by JSON path (a list's items under the list's path), with its
    /// <c>x-pii</c>.</summary>
    private static IEnumerable<(string Path, string Name, string? Pii)> Properties(JsonNode schema, string prefix = "")
    {
        var node = schema["items"] ?? schema;
        foreach (var (name, property) in node["properties"]?.AsObject() ?? [])
        {
            var path = prefix.Length == 0 ? name : $"{prefix}.{name}";
            yield return (path, name, property!["x-pii"]?.GetValue<string>());
            foreach (var nested in Properties(property, path))
            {
                yield return nested;
            }
        }
    }

    [Test]
    public void An_engagement_declares_who_wrote_it_and_what_they_wrote()
    {
        Assert.That(
            PiiFields.Paths(typeof(EngagementReceived)).Select(p => $"{p.Path}:{p.Category}"),
            Is.EquivalentTo(
                new[]
                {
                    "threadKey:identity",
                    "author.platformUserId:identity",
                    "author.displayName:identity",
                    "author.handle:identity",
                    "text:content",
                    "attachments:content",
                    "metadata:free-form",
                }
            )
        );
    }

    [TestCaseSource(nameof(EventTypes))]
    public void The_schema_marks_exactly_the_declared_fields(string type)
    {
        var marked = Properties(EventSchemas.For(type)).Where(p => p.Pii is not null).Select(p => $"{p.Path}:{p.Pii}");
        var declared = PiiFields.Paths(EventSchemas.Types[type]).Select(p => $"{p.Path}:{p.Category}");
        Assert.That(marked, Is.EquivalentTo(declared));
    }

    [Test]
    public async Task The_api_marks_its_requests_and_read_models_too()
    {
        var document = JsonNode.Parse(
            await File.ReadAllTextAsync(
                System.IO.Path.Combine(Support.RepositoryRoot.Path, "contracts/openapi/v1.json")
            )
        )!;
        var schemas = document["components"]!["schemas"]!.AsObject();
        var unclassified = schemas
            .SelectMany(c =>
                (c.Value!["properties"]?.AsObject() ?? [])
                    .Where(p => Personal.Contains(p.Key) || p.Key == "texts")
                    .Where(p => p.Value!["x-pii"] is null && !NotPersonal.Contains($"{c.Key}:{p.Key}"))
                    .Select(p => $"{c.Key}.{p.Key}")
            )
            .ToList();
        Assert.Multiple(() =>
        {
            Assert.That(unclassified, Is.Empty);
            Assert.That(
                schemas["EngagementView"]!["properties"]!["text"]!["x-pii"]!.GetValue<string>(),
                Is.EqualTo("content")
            );
            Assert.That(
                schemas["CustomerView"]!["properties"]!["displayName"]!["x-pii"]!.GetValue<string>(),
                Is.EqualTo("identity")
            );
            Assert.That(
                schemas["EngagementView"]!["properties"]!["occurredAt"]!["x-pii"],
                Is.Null,
                "times are not personal"
            );
        });
    }

    [TestCaseSource(nameof(EventTypes))]
    public void No_field_named_for_a_customers_identity_or_words_is_unclassified(string type)
    {
        var unclassified = Properties(EventSchemas.For(type))
            .Where(p =>
                p.Pii is null
                && Personal.Contains(p.Name)
                && !p.Path.StartsWith("actor.", StringComparison.Ordinal)
                && !NotPersonal.Contains($"{type}:{p.Path}")
            )
            .Select(p => p.Path);
        Assert.That(unclassified, Is.Empty);
    }
}
