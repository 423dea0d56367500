using System.Text.Json.Nodes;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Contracts;

/// <summary>
/// What a partner reading the checked-in document (or a client generated from it) can count on: every field and
/// parameter is described on one line, every JSON body has an example, request schemas say what they require, and
/// every event type is a component and a webhook. Each test names every place that falls short.
/// </summary>
public sealed class OpenApi_completeness
{
    private static readonly JsonNode Document = JsonNode.Parse(
        File.ReadAllText(CheckedInContracts.Path("openapi", "v1.json"))
    )!;

    private static IEnumerable<(string Path, string Method, JsonNode Operation)> Operations() =>
        Document["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject().Select(m => (p.Key, m.Key, m.Value!)));

    [Test]
    public void Every_field_of_every_schema_is_described()
    {
        var missing = Document["components"]!["schemas"]!
            .AsObject()
            .SelectMany(s =>
                (s.Value!["properties"]?.AsObject() ?? [])
                    .Where(p => string.IsNullOrWhiteSpace(p.Value!["description"]?.GetValue<string>()))
                    .Select(p => $"{s.Key}.{p.Key}")
            )
            .ToList();
        Assert.That(missing, Is.Empty);
    }

    [Test]
    public void Every_parameter_is_described() =>
        Assert.That(
            Operations()
                .SelectMany(o =>
                    (o.Operation["parameters"]?.AsArray() ?? [])
                        .Where(p => string.IsNullOrWhiteSpace(p!["description"]?.GetValue<string>()))
                        .Select(p => $"{o.Method.ToUpperInvariant()} {o.Path} {p!["name"]}")
                )
                .ToList(),
            Is.Empty
        );

    [Test]
    public void Every_json_body_has_an_example()
    {
        var missing = new List<string>();
        foreach (var (path, method, operation) in Operations())
        {
            var bodies = (operation["requestBody"]?["content"]?.AsObject() ?? [])
                .Select(c => ("request", c))
                .Concat(
                    (operation["responses"]?.AsObject() ?? [])
                        .Where(r => r.Key.StartsWith('2'))
                        .SelectMany(r => (r.Value!["content"]?.AsObject() ?? []).Select(c => (r.Key, c)))
                );
            missing.AddRange(
                bodies
                    .Where(b =>
                        b.c.Key.EndsWith("json", StringComparison.Ordinal)
                        && b.c.Value!["example"] is null
                        && HasFields(b.c.Value["schema"])
                    )
                    .Select(b => $"{method.ToUpperInvariant()} {path} {b.Item1} {b.c.Key}")
            );
        }

        Assert.That(missing, Is.Empty);
    }

    [Test]
    public void No_description_keeps_the_source_line_wrapping()
    {
        var wrapped = new List<string>();
        Walk(Document, "", wrapped);
        Assert.That(wrapped, Is.Empty);
    }

    [Test]
    public void Request_bodies_say_what_they_require()
    {
        var schemas = Document["components"]!["schemas"]!.AsObject();
        Assert.Multiple(() =>
        {
            Assert.That(
                schemas["IngestEngagementRequest"]!["required"]!.AsArray().Select(r => r!.GetValue<string>()),
                Is.SupersetOf(new[] { "channelId", "platformMessageId", "author", "visibility", "occurredAt" })
            );
            Assert.That(
                schemas["IngestEngagementRequest"]!["properties"]!["visibility"]!["enum"]!
                    .AsArray()
                    .Select(v => v!.GetValue<string>()),
                Is.EqualTo(new[] { "public", "private" })
            );
            Assert.That(
                schemas["CreateChannelRequest"]!["properties"]!["name"]!["maxLength"]!.GetValue<int>(),
                Is.EqualTo(200)
            );
            Assert.That(
                schemas["ClaimRequest"]!["properties"]!["ttlSeconds"]!["maximum"]!.GetValue<int>(),
                Is.EqualTo(86_400)
            );
        });
    }

    [Test]
    public void Every_event_type_is_a_component_and_a_webhook()
    {
        var webhooks = Document["webhooks"]!.AsObject().Select(w => w.Key);
        Assert.Multiple(() =>
        {
            Assert.That(webhooks, Is.EquivalentTo(SocialCare.Api.EventLog.EventSchemas.Types.Keys));
            Assert.That(
                Document["components"]!["schemas"]!.AsObject().Select(s => s.Key),
                Is.SupersetOf(
                    SocialCare.Api.EventLog.EventSchemas.Types.Keys.Select(
                        SocialCare.Api.Webhooks.WebhookEventsDocumentFilter.ComponentOf
                    )
                )
            );
            Assert.That(Document.ToJsonString(), Does.Not.Contain("JsonNode"));
        });
    }

    /// <summary>Whether a body has anything to show: an empty command body (<c>{}</c>) needs no example.</summary>
    private static bool HasFields(JsonNode? schema) =>
        schema?["$ref"]?.GetValue<string>() is { } reference
            ? Document["components"]!["schemas"]![reference.Split('/')[^1]]!["properties"] is not null
            : schema is not null;

    private static void Walk(JsonNode? node, string path, List<string> wrapped)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o)
                {
                    if (key == "description" && value is JsonValue text && text.GetValue<string>().Contains('\n'))
                    {
                        wrapped.Add(path);
                    }

                    Walk(value, $"{path}/{key}", wrapped);
                }

                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    Walk(a[i], $"{path}/{i}", wrapped);
                }

                break;
        }
    }
}
