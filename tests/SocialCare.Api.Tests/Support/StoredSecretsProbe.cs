using Npgsql;
using SocialCare.Api.Webhooks.Sending;

namespace SocialCare.Api.Tests.Support;

/// <summary>What tests of secrets at rest look at: the stored values as they are in PostgreSQL, and whether a webhook
/// was signed with a secret.</summary>
public static class StoredSecretsProbe
{
    /// <summary>Every value of every encrypted column, as stored.</summary>
    public static async Task<IReadOnlyList<string>> StoredValuesAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            select secrets::text from channels
            union all select secret from subscriptions
            union all select previous_secret from subscriptions where previous_secret is not null
            union all select body from idempotency_keys
            """,
            connection
        );
        var values = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    /// <summary>Whether one of the request's Standard Webhooks signatures is the one <paramref name="secret"/>
    /// makes.</summary>
    public static bool SignedWith(WebhookReceiver.Received webhook, string secret) =>
        webhook
            .Headers["webhook-signature"]
            .Split(' ')
            .Contains(
                WebhookSigner.Sign(
                    secret,
                    webhook.Headers["webhook-id"],
                    long.Parse(webhook.Headers["webhook-timestamp"], System.Globalization.CultureInfo.InvariantCulture),
                    webhook.Body
                )
            );

    /// <summary>A WhatsApp text message from a customer, as Meta would post it for the phone number
    /// 106540352242922.</summary>
    public static string WhatsAppText(string wamid) =>
        $$$"""
            {"object": "whatsapp_business_account", "entry": [{"id": "102290129340398",
              "changes": [{"field": "messages", "value": {"messaging_product": "whatsapp",
              "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
              "contacts": [{"profile": {"name": "Sheena Nelson"}, "wa_id": "16505551234"}],
              "messages": [{"from": "16505551234", "id": "{{{wamid}}}",
                            "timestamp": "{{{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}}}", "type": "text",
                            "text": {"body": "Does it come in another color?"}}]}}]}]}
            """;
}
