using System.Text.Json.Nodes;
using Npgsql;
using SocialCare.Api.EventLog;
using SocialCare.Api.Tests.Contracts;

namespace SocialCare.Api.Tests.Support;

/// <summary>
/// Every event the suite's hubs append is checked against its JSON Schema in contracts/schemas: as each test hub
/// stops, the events appended to its database's log since the last check are read back and validated, and the hub's
/// fixture fails on the first that does not conform. A department that validates what it receives against the
/// published schemas would never refuse what the hub sends.
/// </summary>
internal static class EventConformance
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static readonly Dictionary<string, JsonObject> Schemas = EventSchemas.Types.Keys.ToDictionary(
        t => t,
        EventSchemas.For,
        StringComparer.Ordinal
    );
    private static readonly Dictionary<string, long> CheckedThrough = new(StringComparer.Ordinal);

    public static async Task<IReadOnlyList<string>> CheckNewEventsAsync(string connectionString)
    {
        await Gate.WaitAsync();
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            // A hub that stopped before its log was created appended nothing.
            await using (var exists = new NpgsqlCommand("select to_regclass('mt_events') is not null", connection))
            {
                if (!(bool)(await exists.ExecuteScalarAsync())!)
                {
                    return [];
                }
            }

            await using var command = new NpgsqlCommand(
                "select seq_id, type, data::text from mt_events where seq_id > $1 order by seq_id",
                connection
            );
            var checkedThrough = CheckedThrough.GetValueOrDefault(connectionString);
            command.Parameters.Add(new NpgsqlParameter { Value = checkedThrough });
            var failures = new List<string>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var (sequence, type) = (reader.GetInt64(0), reader.GetString(1));
                checkedThrough = Math.Max(checkedThrough, sequence);
                CheckedThrough[connectionString] = checkedThrough;
                // Types no contract declares (a test's deliberately retired type) have no schema to keep.
                if (Schemas.TryGetValue(type, out var schema))
                {
                    failures.AddRange(
                        Event_schemas
                            .Errors(schema, JsonNode.Parse(reader.GetString(2)))
                            .Select(e => $"{type} #{sequence}: {e}")
                    );
                }
            }

            return failures;
        }
        finally
        {
            Gate.Release();
        }
    }
}
