using System.Text.Json.Nodes;
using Npgsql;
using SocialCare.Api.EventLog;
using SocialCare.Api.Tests.Contracts;

namespace SocialCare.Api.Tests.Support;

/// <summary>
/// Every event the suite's hubs append is checked against its JSON Schema in contracts/schemas: as each test hub
/// stops, the events appended to the run's log since the last check are read back and validated, and the hub's
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
    private static long _checkedThrough;

    public static async Task<IReadOnlyList<string>> CheckNewEventsAsync()
    {
        await Gate.WaitAsync();
        try
        {
            await using var connection = new NpgsqlConnection(TestRun.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                "select seq_id, type, data::text from mt_events where seq_id > $1 order by seq_id",
                connection
            );
            command.Parameters.Add(new NpgsqlParameter { Value = _checkedThrough });
            var failures = new List<string>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var (sequence, type) = (reader.GetInt64(0), reader.GetString(1));
                _checkedThrough = Math.Max(_checkedThrough, sequence);
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
