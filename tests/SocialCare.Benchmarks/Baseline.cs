using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;

namespace SocialCare.Benchmarks;

/// <summary>
/// The floor to compare against: the rows one ingestion writes (a stream, an event, an engagement), inserted by plain
/// Npgsql in batches of 100 per transaction — no HTTP, no locks, no threading, no relay. The events go last and take
/// their numbers from the sequence row, as the hub's writes do.
/// </summary>
internal static class Baseline
{
    public static async Task<double> RunAsync(string connectionString, int seconds)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var (workspaceId, customerId, conversationId, channelId) = await ArrangeAsync(dataSource);
        var clock = Stopwatch.StartNew();
        var end = TimeSpan.FromSeconds(seconds);
        var written = 0;
        await Task.WhenAll(
            Enumerable
                .Range(0, 2)
                .Select(async _ =>
                {
                    while (clock.Elapsed < end)
                    {
                        await InsertBatchAsync(dataSource, workspaceId, customerId, conversationId, channelId, 100);
                        Interlocked.Add(ref written, 100);
                    }
                })
        );
        return written / clock.Elapsed.TotalSeconds;
    }

    /// <summary>Appends <paramref name="count"/> events (with their rows) as fast as PostgreSQL takes them, in
    /// transactions of 1,000: a backlog for the relay.</summary>
    public static async Task WriteAsync(string connectionString, int count)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var (workspaceId, customerId, conversationId, channelId) = await ArrangeAsync(dataSource);
        var left = count;
        await Task.WhenAll(
            Enumerable
                .Range(0, 2)
                .Select(async _ =>
                {
                    while (Interlocked.Add(ref left, -1000) > -1000)
                    {
                        await InsertBatchAsync(dataSource, workspaceId, customerId, conversationId, channelId, 1000);
                    }
                })
        );
    }

    private static async Task<(Guid Workspace, Guid Customer, Guid Conversation, Guid Channel)> ArrangeAsync(
        NpgsqlDataSource dataSource
    )
    {
        var workspaceId = Guid.CreateVersion7();
        var customerId = Guid.CreateVersion7();
        var conversationId = Guid.CreateVersion7();
        var channelId = Guid.CreateVersion7();
        await using var arrange = dataSource.CreateBatch();
        foreach (
            var sql in new[]
            {
                $"insert into workspaces (id, name) values ('{workspaceId}', 'baseline')",
                $"insert into channels (id, workspace_id, type, name, brand, secrets) values ('{channelId}', "
                    + $"'{workspaceId}', 'sms', 'baseline', 'Baseline', '{{}}')",
                $"insert into customers (id, workspace_id, created_at) values ('{customerId}', "
                    + $"'{workspaceId}', now())",
                $"""
                    insert into conversations (id, workspace_id, brand, customer_id, status, current_channel_id,
                        channel_ids, channel_types, opened_at, last_activity_at, version)
                    values ('{conversationId}', '{workspaceId}', 'Baseline', '{customerId}', 'resolved',
                        '{channelId}', array['{channelId}'::uuid], array['sms'], now(), now(), 0)
                    """,
            }
        )
        {
            arrange.BatchCommands.Add(new NpgsqlBatchCommand(sql));
        }

        await arrange.ExecuteNonQueryAsync();
        return (workspaceId, customerId, conversationId, channelId);
    }

    private static async Task InsertBatchAsync(
        NpgsqlDataSource dataSource,
        Guid workspaceId,
        Guid customerId,
        Guid conversationId,
        Guid channelId,
        int count
    )
    {
        var streams = Enumerable.Range(0, count).Select(_ => Guid.CreateVersion7()).ToArray();
        var now = DateTimeOffset.UtcNow;
        var body = """{"text": "Order is late 😡 — طلبي متأخر", "visibility": "private"}""";
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand(
                    "insert into mt_streams (id, tenant_id, type, version) select unnest($1::uuid[]), $2::text, "
                        + "'conversation', 1"
                )
                {
                    Parameters =
                    {
                        new() { Value = streams },
                        new() { Value = workspaceId },
                    },
                },
                new NpgsqlBatchCommand(
                    """
                    insert into engagements (id, workspace_id, channel_id, platform_message_id, conversation_id,
                        customer_id, author, text, visibility, occurred_at, received_at)
                    select s, $2, $3, s::text, $4, $5, '{"platformUserId": "u"}', 'Order is late 😡 — طلبي متأخر',
                        'private', $6, $6 from unnest($1::uuid[]) s
                    """
                )
                {
                    Parameters =
                    {
                        new() { Value = streams },
                        new() { Value = workspaceId },
                        new() { Value = channelId },
                        new() { Value = conversationId },
                        new() { Value = customerId },
                        new() { Value = now },
                    },
                },
                // Events numbered in commit order, as the hub numbers them (EventLog/EventNumbering.cs).
                new NpgsqlBatchCommand("lock table event_numbering in exclusive mode"),
                new NpgsqlBatchCommand(
                    """
                    insert into mt_events (seq_id, id, stream_id, version, tenant_id, type, data, timestamp)
                    select nextval('mt_events_sequence'), gen_random_uuid(), s.id, 1, $2::text, 'engagement.received',
                        $3, $4
                    from unnest($1::uuid[]) with ordinality as s(id, n) order by s.n
                    """
                )
                {
                    Parameters =
                    {
                        new() { Value = streams },
                        new() { Value = workspaceId },
                        new() { Value = body, NpgsqlDbType = NpgsqlDbType.Jsonb },
                        new() { Value = now },
                    },
                },
            },
        };
        await batch.ExecuteNonQueryAsync();
        await transaction.CommitAsync();
    }
}
