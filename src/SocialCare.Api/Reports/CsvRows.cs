using System.Text;
using System.Text.Json;
using SocialCare.Api.EventLog;

namespace SocialCare.Api.Reports;

/// <summary>
/// A report's rows as CSV (RFC 4180): one line per row, one column per field of the JSON row, nested fields named by
/// their path (<c>timeToFirstResponse.p90</c>), in the order they first appear; a field a row lacks is empty. Text
/// that a spreadsheet would run as a formula (starting with <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, a tab or a carriage
/// return) is prefixed with <c>'</c>: a team or brand name is data, never a formula.
/// </summary>
public static class CsvRows
{
    public static string Write<TRow>(IEnumerable<TRow> rows)
    {
        var flat = rows.Select(r => Flatten(JsonSerializer.SerializeToElement(r, EventTypeRegistry.Json))).ToList();
        var columns = flat.SelectMany(r => r.Keys).Distinct().ToList();
        var csv = new StringBuilder();
        csv.AppendJoin(',', columns.Select(Quote)).Append("\r\n");
        foreach (var row in flat)
        {
            csv.AppendJoin(',', columns.Select(c => row.GetValueOrDefault(c) ?? "")).Append("\r\n");
        }

        return csv.ToString();
    }

    private static Dictionary<string, string?> Flatten(JsonElement row)
    {
        var cells = new Dictionary<string, string?>(StringComparer.Ordinal);
        void Walk(JsonElement value, string path)
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var property in value.EnumerateObject())
                    {
                        Walk(property.Value, path.Length == 0 ? property.Name : $"{path}.{property.Name}");
                    }

                    break;
                case JsonValueKind.String:
                    cells[path] = Quote(Defuse(value.GetString()!));
                    break;
                case JsonValueKind.Null or JsonValueKind.Undefined:
                    cells[path] = "";
                    break;
                case JsonValueKind.Number:
                    cells[path] = value.GetRawText();
                    break;
                default:
                    cells[path] = Quote(value.GetRawText());
                    break;
            }
        }

        Walk(row, "");
        return cells;
    }

    private static string Defuse(string text) =>
        text.Length > 0 && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + text : text;

    private static string Quote(string text) =>
        text.IndexOfAny([',', '"', '\r', '\n']) < 0
            ? text
            : "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
