using System.Globalization;
using System.Text.RegularExpressions;

namespace SocialCare.Api.Tests.Support;

/// <summary>One sample of a Prometheus text exposition: the metric's name, its labels and its value.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public bool Has(string label, object value) =>
        Labels.TryGetValue(label, out var actual)
        && actual == Convert.ToString(value, CultureInfo.InvariantCulture)?.ToLowerInvariant();
}

/// <summary>Reads the Prometheus text format (version 0.0.4) as a scraper does.</summary>
public static partial class Prometheus
{
    public static IReadOnlyList<PrometheusSample> Parse(string text) =>
        text.Split('\n')
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line => Line().Match(line))
            .Where(match => match.Success)
            .Select(match => new PrometheusSample(
                match.Groups["name"].Value,
                Label()
                    .Matches(match.Groups["labels"].Value)
                    .ToDictionary(l => l.Groups["key"].Value, l => l.Groups["value"].Value),
                ParseValue(match.Groups["value"].Value)
            ))
            .ToList();

    private static double ParseValue(string value) =>
        value switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            _ => double.Parse(value, CultureInfo.InvariantCulture),
        };

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>\S+)( \d+)?$")]
    private static partial Regex Line();

    [GeneratedRegex("""(?<key>[a-zA-Z_][a-zA-Z0-9_]*)="(?<value>(?:[^"\\]|\\.)*)"(,|$)""")]
    private static partial Regex Label();
}
