namespace SocialCare.Api.Reports;

/// <summary>The counters of response-time figures, in the order <c>report_response_*.counts</c> keeps them.</summary>
public enum Counter
{
    Opened,
    Reopened,
    Acknowledged,
    Responded,
    Resolved,
    FirstEpisodesResolved,
    FirstContactResolved,
    Within15Minutes,
    WithinHour,
    WithinDay,
    Within15BusinessMinutes,
    WithinBusinessHour,
    WithinBusinessDay,
    FirstResponseMet,
    FirstResponseBreached,
    NextResponseMet,
    NextResponseBreached,
    ResolutionMet,
    ResolutionBreached,
}

/// <summary>The durations the reports measure, each on the wall clock and in business hours, in the order
/// <c>report_response_*.sums</c> and the sketches keep them.</summary>
public enum Series
{
    Acknowledge,
    AcknowledgeBusiness,
    Respond,
    RespondBusiness,
    Resolve,
    ResolveBusiness,
}

/// <summary>
/// Response-time figures of a set of episodes: counters, exact sums of milliseconds (so means are exact) and, per
/// duration, a percentile sketch — how many durations fell in each bin (<see cref="Bins"/>). Figures add and
/// subtract: an episode's contribution moves from one bucket to another when it changes (a team assigned, a
/// reopening), and bucket rows are the sum of their episodes' contributions. Sketches are kept sparse here (an
/// episode has one duration per series) and stored compactly (<see cref="EncodeSketches"/>).
/// </summary>
public sealed class ResponseFigures
{
    public static readonly int Counters = Enum.GetValues<Counter>().Length;
    public static readonly int SeriesCount = Enum.GetValues<Series>().Length;

    public long[] Counts { get; }
    public long[] SumsMs { get; }

    /// <summary>Per series, the count of each bin (by its index) that holds any.</summary>
    public SortedDictionary<int, long>[] Sketches { get; }

    public ResponseFigures()
    {
        Counts = new long[Counters];
        SumsMs = new long[SeriesCount];
        Sketches = [.. Enumerable.Range(0, SeriesCount).Select(_ => new SortedDictionary<int, long>())];
    }

    public long this[Counter counter] => Counts[(int)counter];

    public bool IsEmpty => Counts.All(c => c == 0) && SumsMs.All(s => s == 0) && Sketches.All(s => s.Count == 0);

    public void Count(Counter counter) => Counts[(int)counter]++;

    /// <summary>Records one duration of a series.</summary>
    public void Measure(Series series, long milliseconds)
    {
        SumsMs[(int)series] += milliseconds;
        var bin = Bins.Index(milliseconds / 1000);
        var sketch = Sketches[(int)series];
        sketch[bin] = sketch.GetValueOrDefault(bin) + 1;
    }

    /// <summary>Adds (<paramref name="sign"/> 1) or takes away (-1) other figures.</summary>
    public void Add(ResponseFigures other, int sign)
    {
        for (var i = 0; i < Counters; i++)
        {
            Counts[i] += sign * other.Counts[i];
        }

        for (var s = 0; s < SeriesCount; s++)
        {
            SumsMs[s] += sign * other.SumsMs[s];
            var sketch = Sketches[s];
            foreach (var (bin, count) in other.Sketches[s])
            {
                var total = sketch.GetValueOrDefault(bin) + sign * count;
                if (total == 0)
                {
                    sketch.Remove(bin);
                }
                else
                {
                    sketch[bin] = total;
                }
            }
        }
    }

    /// <summary>
    /// The sketches as stored (<c>sketches bytea</c>): for each series in order, the number of bins it holds, then for
    /// each bin the difference of its index from the previous one's and its count, all as unsigned LEB128 varints —
    /// about two bytes a bin, so that a report reads a few megabytes where arrays of integers took tens.
    /// </summary>
    public byte[] EncodeSketches()
    {
        var bytes = new List<byte>();
        foreach (var sketch in Sketches)
        {
            Varint.Write(bytes, (ulong)sketch.Count);
            var previous = 0;
            foreach (var (bin, count) in sketch)
            {
                Varint.Write(bytes, (ulong)(bin - previous));
                Varint.Write(bytes, (ulong)count);
                previous = bin;
            }
        }

        return [.. bytes];
    }

    public static ResponseFigures Decode(long[] counts, long[] sumsMs, byte[] sketches)
    {
        var figures = new ResponseFigures();
        counts.AsSpan(0, Math.Min(counts.Length, Counters)).CopyTo(figures.Counts);
        sumsMs.AsSpan(0, Math.Min(sumsMs.Length, SeriesCount)).CopyTo(figures.SumsMs);
        var at = 0;
        for (var series = 0; series < SeriesCount && at < sketches.Length; series++)
        {
            var bins = (int)Varint.Read(sketches, ref at);
            var bin = 0;
            for (var i = 0; i < bins; i++)
            {
                bin += (int)Varint.Read(sketches, ref at);
                figures.Sketches[series][bin] = (long)Varint.Read(sketches, ref at);
            }
        }

        return figures;
    }
}

/// <summary>
/// The bins of percentile sketches, over durations in whole seconds: below 100 s one bin per second, and above it the
/// duration rounded down to two significant figures (100, 110, … 990, 1,000, 1,100, … 9,900, 10,000, 11,000 …), 90 bins
/// per power of ten. A percentile read from bins is exact below 100 s and at most 10% low above it, whatever the number
/// of durations.
/// </summary>
public static class Bins
{
    /// <summary>Bins up to 10^10 s (over 300 years); longer durations share the last.</summary>
    public const int Count = 100 + 90 * 8;

    public static int Index(long seconds)
    {
        if (seconds < 100)
        {
            return (int)Math.Max(0, seconds);
        }

        var power = 1;
        long step = 10;
        while (seconds / step >= 100)
        {
            step *= 10;
            power++;
        }

        return Math.Min(Count - 1, 100 + (power - 1) * 90 + (int)(seconds / step) - 10);
    }

    /// <summary>The smallest duration (in seconds) of a bin.</summary>
    public static long Value(int index)
    {
        if (index < 100)
        {
            return index;
        }

        var power = (index - 100) / 90;
        var leading = 10 + (index - 100) % 90;
        long step = 10;
        for (var i = 0; i < power; i++)
        {
            step *= 10;
        }

        return leading * step;
    }
}

/// <summary>Unsigned LEB128 varints.</summary>
internal static class Varint
{
    public static void Write(List<byte> bytes, ulong value)
    {
        while (value >= 0x80)
        {
            bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }

        bytes.Add((byte)value);
    }

    public static ulong Read(byte[] bytes, ref int at)
    {
        ulong value = 0;
        var shift = 0;
        while (true)
        {
            var b = bytes[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }

            shift += 7;
        }
    }

    /// <summary>Reads past a varint.</summary>
    public static void Skip(byte[] bytes, ref int at)
    {
        while (bytes[at++] >= 0x80) { }
    }
}

/// <summary>
/// Figures summed over many bucket rows for a report, with dense sketches (a count per bin) of the series it shows
/// only, filled straight from the stored bytes: adding a bucket costs its bytes, not a dictionary insert per bin.
/// </summary>
public sealed class ReportTotals(bool business)
{
    private readonly long[][] _sketches = new long[ResponseFigures.SeriesCount][];

    public long[] Counts { get; } = new long[ResponseFigures.Counters];
    public long[] SumsMs { get; } = new long[ResponseFigures.SeriesCount];

    public long this[Counter counter] => Counts[(int)counter];

    /// <summary>Whether the totals show business-hours durations (the odd series) or wall-clock ones.</summary>
    public bool Business => business;

    public void AddStored(long[] counts, long[] sumsMs, byte[] sketches)
    {
        for (var i = 0; i < Math.Min(counts.Length, Counts.Length); i++)
        {
            Counts[i] += counts[i];
        }

        for (var i = 0; i < Math.Min(sumsMs.Length, SumsMs.Length); i++)
        {
            SumsMs[i] += sumsMs[i];
        }

        var at = 0;
        for (var series = 0; series < ResponseFigures.SeriesCount && at < sketches.Length; series++)
        {
            var bins = (int)Varint.Read(sketches, ref at);
            if (series % 2 == 1 != business)
            {
                for (var i = 0; i < 2 * bins; i++)
                {
                    Varint.Skip(sketches, ref at);
                }

                continue;
            }

            var dense = _sketches[series] ??= new long[Bins.Count];
            var bin = 0;
            for (var i = 0; i < bins; i++)
            {
                bin += (int)Varint.Read(sketches, ref at);
                dense[Math.Min(bin, Bins.Count - 1)] += (long)Varint.Read(sketches, ref at);
            }
        }
    }

    /// <summary>The nearest-rank percentile of a series (the smallest bin with at least <paramref name="fraction"/> of
    /// the durations at or below it), in seconds; null without durations.</summary>
    public long? Percentile(Series series, double fraction)
    {
        if (_sketches[(int)series] is not { } dense)
        {
            return null;
        }

        var total = dense.Sum();
        if (total == 0)
        {
            return null;
        }

        var rank = (long)Math.Ceiling(fraction * total);
        long seen = 0;
        for (var bin = 0; bin < dense.Length; bin++)
        {
            seen += dense[bin];
            if (seen >= rank)
            {
                return Bins.Value(bin);
            }
        }

        return Bins.Value(dense.Length - 1);
    }
}
