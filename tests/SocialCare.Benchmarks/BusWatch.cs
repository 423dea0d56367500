using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Npgsql;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using SocialCare.Testing;

namespace SocialCare.Benchmarks;

/// <summary>A plain RabbitMQ consumer that notes, per engagement.received, the delay since the hub recorded
/// it.</summary>
internal sealed class BusWatch : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly IChannel _channel;
    private readonly HubProcess _hub;
    private ConcurrentBag<double> _latencies = [];
    private ConcurrentDictionary<Guid, (DateTimeOffset Arrived, DateTimeOffset Sent)> _arrivals = [];
    private long _lastReceived = Environment.TickCount64;

    private BusWatch(IConnection connection, IChannel channel, HubProcess hub) =>
        (_connection, _channel, _hub) = (connection, channel, hub);

    /// <summary>Starts watching <paramref name="workspaceId"/>'s events, published by <paramref name="hub"/>.</summary>
    public static async Task<BusWatch> StartAsync(string host, int port, Guid workspaceId, HubProcess hub)
    {
        var connection = await new ConnectionFactory
        {
            HostName = host,
            Port = port,
            VirtualHost = Environment.GetEnvironmentVariable("RabbitMq__VirtualHost") ?? "/",
        }.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync();
        var watch = new BusWatch(connection, channel, hub);
        const string exchange = "socialcare.engagement.received";
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false);
        var queue = await channel.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true);
        await channel.QueueBindAsync(queue.QueueName, exchange, string.Empty);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            var now = DateTimeOffset.UtcNow;
            Interlocked.Exchange(ref watch._lastReceived, Environment.TickCount64);
            var envelope = JsonNode.Parse(delivery.Body.Span)!;
            var message = envelope["message"]!;
            if (message["workspaceId"]!.GetValue<Guid>() == workspaceId)
            {
                watch._latencies.Add((now - message["recordedAt"]!.GetValue<DateTimeOffset>()).TotalMilliseconds);
                watch._arrivals[message["eventId"]!.GetValue<Guid>()] = (
                    now,
                    envelope["sentTime"]!.GetValue<DateTimeOffset>()
                );
            }

            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue.QueueName, autoAck: true, consumer);
        return watch;
    }

    public void Reset() => (_latencies, _arrivals) = ([], []);

    /// <summary>
    /// From each arrived event's commit, as PostgreSQL stamped it (track_commit_timestamp), to its arrival here, split
    /// at the moment the relay published it (the envelope's sentTime); empty when the server does not keep commit
    /// timestamps.
    /// </summary>
    public async Task<CommitLatencies> FromCommitAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select id, pg_xact_commit_timestamp(xmin) from mt_events where id = any($1) and "
                + "current_setting('track_commit_timestamp') = 'on'",
            connection
        );
        command.Parameters.Add(new NpgsqlParameter { Value = _arrivals.Keys.ToArray() });
        await using var reader = await command.ExecuteReaderAsync();
        var latencies = new CommitLatencies([], [], []);
        while (await reader.ReadAsync())
        {
            if (!reader.IsDBNull(1))
            {
                var (arrived, sent) = _arrivals[reader.GetGuid(0)];
                var committed = reader.GetFieldValue<DateTimeOffset>(1);
                latencies.ToArrival.Add((arrived - committed).TotalMilliseconds);
                latencies.ToPublish.Add((sent - committed).TotalMilliseconds);
                latencies.PublishToArrival.Add((arrived - sent).TotalMilliseconds);
            }
        }

        return latencies;
    }

    /// <summary>
    /// Waits (up to 60 s) until nothing has arrived for a second, the relay has published the earlier phases' backlog,
    /// and then until the hub is idle (<see cref="HubProcess.WaitIdleAsync"/>).
    /// </summary>
    public async Task DrainAsync()
    {
        var deadline = Environment.TickCount64 + 60_000;
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        while (
            Environment.TickCount64 - Interlocked.Read(ref _lastReceived) < 1000 && Environment.TickCount64 < deadline
        )
        {
            await poll.WaitForNextTickAsync();
        }

        await _hub.WaitIdleAsync();
    }

    /// <summary>Waits (up to 30 s) until <paramref name="expected"/> events arrived, then returns their
    /// latencies.</summary>
    public async Task<IReadOnlyList<double>> LatenciesAsync(int expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        while (_latencies.Count < expected && DateTime.UtcNow < deadline)
        {
            await poll.WaitForNextTickAsync();
        }

        return _latencies.ToList();
    }

    public async ValueTask DisposeAsync()
    {
        await _channel.CloseAsync();
        await _connection.CloseAsync();
        _channel.Dispose();
        _connection.Dispose();
    }
}

/// <summary>Per event: commit → arrival at the consumer, commit → published by the relay, and published →
/// arrival.</summary>
internal sealed record CommitLatencies(List<double> ToArrival, List<double> ToPublish, List<double> PublishToArrival);
