using Npgsql;
using SocialCare.Api.Events;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.ConversationContext;

/// <summary>The changefeed's reads stay index range scans on a large log, whatever the brands of the key.</summary>
public sealed class Changefeed_plans : HubFixture
{
    protected override bool OwnDatabase => true;

    [Test]
    public async Task A_brand_limited_changefeed_read_is_one_index_range_scan_per_brand()
    {
        await using var connection = new NpgsqlConnection(((NpgsqlDataSource)Hub.Services.GetService(typeof(NpgsqlDataSource))!).ConnectionString);
        await connection.OpenAsync();
        var workspaceId = Guid.CreateVersion7();
        // A workspace with 40,000 events of four brands, of which the key's brand (Zara) has one in a hundred.
        await using (var fill = new NpgsqlBatch(connection))
        {
            foreach (var sql in new[]
                     {
                         "insert into workspaces (id, name) values ($1, 'plans')",
                         "insert into streams (id, workspace_id, type, version) values ($1, $1, 'conversation', 40000)",
                         """
                         insert into events (id, seq, stream_id, stream_version, workspace_id, type, data, recorded_at)
                         select gen_random_uuid(), n, $1, n, $1, 'engagement.received',
                                jsonb_build_object('brand', case when n % 100 = 0 then 'Zara' else (array['H&M', 'Mango', 'Namshi'])[1 + n % 3] end), now()
                         from generate_series(1, 40000) n
                         """,
                     })
            {
                fill.BatchCommands.Add(new NpgsqlBatchCommand(sql) { Parameters = { new NpgsqlParameter { Value = workspaceId } } });
            }

            fill.BatchCommands.Add(new NpgsqlBatchCommand("analyze events"));
            await fill.ExecuteNonQueryAsync();
        }

        await using var explain = new NpgsqlCommand("explain " + EventFeed.SomeBrands, connection)
        {
            Parameters =
            {
                new NpgsqlParameter { Value = workspaceId }, new NpgsqlParameter { Value = 0L }, new NpgsqlParameter<string[]?> { TypedValue = null },
                new NpgsqlParameter { Value = Array.Empty<string>() }, new NpgsqlParameter { Value = 100 }, new NpgsqlParameter { Value = new[] { "Zara" } },
            },
        };
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
        Assert.That(text, Does.Contain("Index Scan using events_workspace_brand_seq").And.Not.Contain("Seq Scan on events"), text);
    }
}
