using Npgsql;
using SocialCare.Api.EventLog.Changefeed;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.EventLog.Changefeed;

/// <summary>The changefeed's reads stay index range scans on a large log, whatever the brands of the key.</summary>
public sealed class Changefeed_plans : HubFixture
{
    protected override bool OwnDatabase => true;

    // Its log is 40,000 synthetic rows, written straight into mt_events, that carry only a brand.
    protected override bool ChecksEvents => false;

    [Test]
    public async Task A_brand_limited_changefeed_read_is_one_index_range_scan_per_brand()
    {
        await using var connection = new NpgsqlConnection(
            ((NpgsqlDataSource)Hub.Services.GetService(typeof(NpgsqlDataSource))!).ConnectionString
        );
        await connection.OpenAsync();
        var workspaceId = Guid.CreateVersion7();
        // A workspace with 40,000 events of four brands, of which the key's brand (Zara) has one in a hundred: walking
        // the sequence and throwing other brands' events away would read a hundred events for each one it keeps.
        await using (var fill = new NpgsqlBatch(connection))
        {
            foreach (
                var sql in new[]
                {
                    "insert into workspaces (id, name) values ($1, 'plans')",
                    "insert into mt_streams (tenant_id, id, type, version) values ($1::text, $1, "
                        + "'conversation', 40000)",
                    """
                        insert into mt_events (seq_id, id, stream_id, version, tenant_id, type, data)
                        select nextval('mt_events_sequence'), gen_random_uuid(), $1, n, $1::text, 'engagement.received',
                               jsonb_build_object('brand', case when n % 100 = 0 then 'Zara' else (array['H&M',
                                   'Mango', 'Namshi'])[1 + n % 3] end)
                        from generate_series(1, 40000) n
                        """,
                }
            )
            {
                fill.BatchCommands.Add(
                    new NpgsqlBatchCommand(sql) { Parameters = { new NpgsqlParameter { Value = workspaceId } } }
                );
            }

            fill.BatchCommands.Add(new NpgsqlBatchCommand("analyze mt_events"));
            await fill.ExecuteNonQueryAsync();
        }

        // As a prepared statement's generic plan, which knows nothing of the brand asked for: the plan a busy hub ends
        // up with.
        foreach (
            var sql in new[]
            {
                "set plan_cache_mode = force_generic_plan",
                $"prepare feed (text, bigint, text[], text[], int, text[]) as {EventFeed.SomeBrands}",
            }
        )
        {
            await using var setUp = new NpgsqlCommand(sql, connection);
            await setUp.ExecuteNonQueryAsync();
        }

        await using var explain = new NpgsqlCommand(
            $"explain execute feed ('{workspaceId}', 0, null, '{{}}', 100, '{{Zara}}')",
            connection
        );
        var plan = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(0));
            }
        }

        var text = string.Join('\n', plan);
        await TestContext.Out.WriteLineAsync(text);
        Assert.That(
            text,
            Does.Contain("Index Scan using mt_events_workspace_brand_seq").And.Not.Contain("Seq Scan on mt_events"),
            text
        );
    }
}
