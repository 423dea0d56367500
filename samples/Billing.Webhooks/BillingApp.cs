using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SocialCare.Client;
using Api = SocialCare.Client.Models;

namespace Billing.Webhooks;

/// <summary>The billing app's settings: its webhook secret (from the hub's subscription) and its key to the hub's
/// API.</summary>
public sealed class BillingOptions
{
    public string HubUrl { get; set; } = "http://127.0.0.1:8080";
    public string ApiKey { get; set; } = string.Empty;
    public string WebhookSecret { get; set; } = string.Empty;

    /// <summary>How old a delivery's timestamp may be (the Standard Webhooks recommendation: five minutes).</summary>
    public TimeSpan Tolerance { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>
/// The billing department's webhook receiver: verifies each delivery, dedupes on <c>webhook-id</c>, and when a
/// customer's message names an invoice (INV-12345), links the invoice to the conversation and notes its state.
/// </summary>
public static partial class BillingApp
{
    public const string HubClientName = "hub";

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        var options = builder.Configuration.GetSection("Billing").Get<BillingOptions>() ?? new BillingOptions();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(new StandardWebhooks(options.WebhookSecret, options.Tolerance));
        builder.Services.AddSingleton<Invoices>();
        // The hub's API through the generated client (contracts/SocialCare.Client), sending with the named HttpClient.
        builder.Services.AddHttpClient(HubClientName);
        builder.Services.AddTransient(services =>
            SocialCareClientFactory.Create(
                new Uri(options.HubUrl),
                options.ApiKey,
                services.GetRequiredService<IHttpClientFactory>().CreateClient(HubClientName)
            )
        );
        var app = builder.Build();
        var seen = new ConcurrentDictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        app.MapPost(
            "/webhooks/socialcare",
            async (
                HttpRequest request,
                StandardWebhooks verifier,
                Invoices invoices,
                SocialCareClient hub,
                ILogger<Invoices> logger
            ) =>
            {
                using var buffer = new MemoryStream();
                await request.Body.CopyToAsync(buffer);
                var body = buffer.ToArray();
                string? id = request.Headers["webhook-id"];
                switch (
                    verifier.Verify(
                        id,
                        request.Headers["webhook-timestamp"],
                        request.Headers["webhook-signature"],
                        body,
                        DateTimeOffset.UtcNow
                    )
                )
                {
                    case StandardWebhooks.Verdict.BadSignature:
                        return Results.Problem(statusCode: 401, title: "Invalid webhook signature");
                    case StandardWebhooks.Verdict.Stale:
                        return Results.Problem(statusCode: 400, title: "Stale webhook timestamp");
                }

                // At least once: the hub sends a message again until it gets a 2xx, always with the same webhook-id.
                if (!seen.TryAdd(id!, DateTimeOffset.UtcNow))
                {
                    return Results.Ok();
                }

                try
                {
                    var envelope = JsonNode.Parse(body)!;
                    if (envelope["type"]?.GetValue<string>() == "engagement.received")
                    {
                        await HandleAsync(envelope, id!, invoices, hub, logger, request.HttpContext.RequestAborted);
                    }
                }
                catch
                {
                    seen.TryRemove(id!, out _);
                    throw;
                }

                return Results.Ok();
            }
        );
        return app;
    }

    private static async Task HandleAsync(
        JsonNode envelope,
        string webhookId,
        Invoices invoices,
        SocialCareClient hub,
        ILogger logger,
        CancellationToken ct
    )
    {
        var data = envelope["data"]!;
        var text = data["text"]?.GetValue<string>() ?? string.Empty;
        var conversationId = data["conversationId"]?.GetValue<Guid>();
        foreach (var number in InvoiceNumber().Matches(text).Select(m => m.Value).Distinct(StringComparer.Ordinal))
        {
            if (conversationId is null || invoices.Find(number) is not { } invoice)
            {
                continue;
            }

            var conversation = hub.V1.Conversations[conversationId.Value];
            await conversation.Links.PostAsync(
                new Api.LinkRequest
                {
                    System = "billing",
                    RecordType = "invoice",
                    RecordId = number,
                    Url = $"https://billing.example/invoices/{number}",
                },
                r => r.WithIdempotencyKey($"{webhookId}:link:{number}"),
                ct
            );
            await conversation.Notes.PostAsync(
                new Api.NoteRequest
                {
                    Text =
                        $"{number}: {invoice.Amount:0.00} {invoice.Currency}, "
                        + $"{invoice.State} (due {invoice.Due:yyyy-MM-dd}).",
                },
                r => r.WithIdempotencyKey($"{webhookId}:note:{number}"),
                ct
            );
            LogLinked(logger, number, invoice.State, conversationId.Value);
        }
    }

    [GeneratedRegex(@"\bINV-\d{4,}\b")]
    private static partial Regex InvoiceNumber();

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "[billing] {Invoice} ({State}) linked to conversation {ConversationId}, with a note"
    )]
    private static partial void LogLinked(ILogger logger, string invoice, string state, Guid conversationId);
}

/// <summary>An invoice in the billing system.</summary>
public sealed record Invoice(string Number, decimal Amount, string Currency, string State, DateOnly Due);

/// <summary>The billing system's invoices (a real app asks its own database).</summary>
public sealed class Invoices
{
    private readonly Dictionary<string, Invoice> _all = new(StringComparer.Ordinal)
    {
        ["INV-12345"] = new("INV-12345", 240m, "AED", "unpaid", new DateOnly(2026, 11, 30)),
        ["INV-20417"] = new("INV-20417", 1899m, "AED", "paid twice — refund due", new DateOnly(2026, 11, 15)),
    };

    public Invoice? Find(string number) => _all.GetValueOrDefault(number);
}
