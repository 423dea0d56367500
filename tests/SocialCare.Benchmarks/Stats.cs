using System.Globalization;

namespace SocialCare.Benchmarks;

internal static class Stats
{
    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }

    /// <summary>"p50 … ms, p99 … ms" of <paramref name="values"/>.</summary>
    public static string P50P99(IReadOnlyList<double> values) =>
        $"p50 {Ms(Percentile(values, 50))}, p99 {Ms(Percentile(values, 99))}";

    public static string Ms(double value) => value.ToString("0.0", CultureInfo.InvariantCulture) + " ms";

    public static string Rate(double value) => value.ToString("0", CultureInfo.InvariantCulture) + "/s";
}
