using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.Options;
using Npgsql;
using RabbitMQ.Client;

namespace SocialCare.Api.EventLog.DeadLetters;

/// <summary>What a redrive came to.</summary>
public enum RedriveOutcome
{
    /// <summary>Sent back (a queue message, a relay event), or handed to its follower for its next pass.</summary>
    Done,

    /// <summary>It was redriven already.</summary>
    AlreadyRedriven,

    /// <summary>The relay still cannot read the event; the dead letter waits, with the new error.</summary>
    Unreadable,
}

/// <summary>
/// Sends a dead letter back where it failed. A queue message goes back to its queue as it was received (its message
/// id, content type, headers without MassTransit's fault headers, body), published with confirms — or, when an erasure
/// or retention took its body, its event is published as the log now holds it, as the relay does; a relay event is
/// published as the relay publishes it, if it can be read now; a follower's event is handed to that follower, which
/// reads it on its next pass (<see cref="LogFollower"/>). A queue message or relay event is claimed before it is sent
/// (<see cref="DeadLetterStore.ClaimAsync"/>), so two redrives at once send it once; the claim is given back when the
/// broker did not take it.
/// </summary>
public sealed class DeadLetterRedrive(
    DeadLetterStore store,
    NpgsqlDataSource dataSource,
    IBus bus,
    IOptions<Infrastructure.Messaging.RabbitMqOptions> rabbit
)
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(10);

    public async Task<(RedriveOutcome Outcome, string? Error)> RedriveAsync(
        DeadLetterDetail letter,
        CancellationToken ct
    )
    {
        var deadLetter = letter.DeadLetter;
        if (deadLetter.RedrivenAt is not null)
        {
            return (RedriveOutcome.AlreadyRedriven, null);
        }

        if (deadLetter.Source == DeadLetterSources.Follower)
        {
            await store.RequestRedriveAsync(deadLetter.Follower!, deadLetter.EventId!.Value, ct);
            return (RedriveOutcome.Done, null);
        }

        if (!await store.ClaimAsync(deadLetter.Id, ct))
        {
            return (RedriveOutcome.AlreadyRedriven, null);
        }

        string? error;
        try
        {
            error = deadLetter.Source switch
            {
                DeadLetterSources.Queue when letter.Body is not null => await SendBackAsync(letter, ct),
                DeadLetterSources.Queue when deadLetter.EventId is { } erased => await PublishEventAsync(erased, ct),
                DeadLetterSources.Queue => "The message's body is gone and it carried no event to send instead.",
                _ => await PublishEventAsync(deadLetter.EventId!.Value, ct),
            };
        }
        catch
        {
            // Not sent (as far as the hub can tell: a publish the broker took but did not confirm is sent again by
            // the next redrive, and consumers dedupe by event id): the dead letter waits again.
            await store.ReleaseAsync(deadLetter.Id, null, CancellationToken.None);
            throw;
        }

        if (error is not null)
        {
            await store.ReleaseAsync(deadLetter.Id, error, ct);
            return (RedriveOutcome.Unreadable, error);
        }

        return (RedriveOutcome.Done, null);
    }

    /// <summary>Sends a queue message back; never an error (the broker's refusal throws).</summary>
    private async Task<string?> SendBackAsync(DeadLetterDetail letter, CancellationToken ct)
    {
        await using var connection = await rabbit
            .Value.ConnectionFactory("socialcare-redrive")
            .CreateConnectionAsync(rabbit.Value.Endpoints(), ct);
        await using var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
            ct
        );
        var properties = new BasicProperties
        {
            MessageId = letter.MessageId,
            ContentType = letter.ContentType,
            Persistent = true,
            Headers = (letter.Headers ?? new Dictionary<string, JsonElement>())
                .Where(h => !h.Key.StartsWith("MT-Fault-", StringComparison.Ordinal) && h.Key != "MT-Reason")
                .ToDictionary(h => h.Key, h => Amqp(h.Value)),
        };
        var body =
            letter.BodyEncoding == "base64"
                ? Convert.FromBase64String(letter.Body!)
                : System.Text.Encoding.UTF8.GetBytes(letter.Body ?? string.Empty);
        // The default exchange routes by queue name: back to the queue it failed on, and to nothing else.
        await channel.BasicPublishAsync(string.Empty, letter.DeadLetter.Queue!, true, properties, body, ct);
        return null;
    }

    /// <summary>Publishes the event as the relay does; the error when it still cannot be read.</summary>
    private async Task<string?> PublishEventAsync(Guid eventId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "select seq_id, type, data::text, headers->>'traceparent', headers->>'tracestate' from mt_events where id = $1"
        );
        command.Parameters.Add(new NpgsqlParameter { Value = eventId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return "The event is no longer in the log.";
        }

        var (seq, type, data) = (reader.GetInt64(0), reader.GetString(1), reader.GetString(2));
        var trace = Infrastructure.Telemetry.EventTrace.From(
            reader.IsDBNull(3) ? null : reader.GetString(3),
            reader.IsDBNull(4) ? null : reader.GetString(4)
        );
        SocialCare.Contracts.HubEvent message;
        try
        {
            message = EventTypeRegistry.Deserialize(type, data) with { Sequence = seq };
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NotSupportedException)
        {
            return e.Message;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(PublishTimeout);
        await Relay.EventRelay.PublishAsync(bus, message, type, trace, timeout.Token);
        return null;
    }

    /// <summary>A header as it was received (<see cref="QueueDeadLetterFilter"/> kept it as JSON), back in AMQP
    /// form.</summary>
    private static object? Amqp(JsonElement value) =>
        value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.TryGetInt64(out var integer) ? integer : value.GetDouble(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Array => value.EnumerateArray().Select(Amqp).ToList(),
            _ => null,
        };
}
