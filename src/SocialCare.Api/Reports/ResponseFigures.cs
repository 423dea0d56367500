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
/// duration, a percentile sketch — how many durations fell in each bin of <see cref="Bin"/>. Figures add and subtract:
/// an episode's contribution moves from one bucket to another when it changes (a team assigned, a reopening), and
/// bucket rows are the sum of their episodes' contributions.
/// </summary>
public sealed class ResponseFigures
{
    public static readonly int Counters = Enum.GetValues<Counter>().Length;
    public static readonly int SeriesCount = Enum.GetValues<Series>().Length;

    public long[] Counts { get; }
    public long[] SumsMs { get; }
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
        var bin = Bin(milliseconds / 1000);
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

    /// <summary>The sketches as stored: triples of series, bin and count.</summary>
    public int[] EncodeSketches() =>
        [
            .. Sketches.SelectMany(
                (sketch, series) => sketch.SelectMany(b => new[] { series, b.Key, checked((int)b.Value) })
            ),
        ];

    public static ResponseFigures Decode(long[] counts, long[] sumsMs, int[] sketches)
    {
        var figures = new ResponseFigures();
        figures.AddStored(counts, sumsMs, sketches);
        return figures;
    }

    /// <summary>Adds figures as a bucket row stores them.</summary>
    public void AddStored(long[] counts, long[] sumsMs, int[] sketches)
    {
        for (var i = 0; i < Math.Min(counts.Length, Counters); i++)
        {
            Counts[i] += counts[i];
        }

        for (var i = 0; i < Math.Min(sumsMs.Length, SeriesCount); i++)
        {
            SumsMs[i] += sumsMs[i];
        }

        for (var i = 0; i + 2 < sketches.Length; i += 3)
        {
            var sketch = Sketches[sketches[i]];
            sketch[sketches[i + 1]] = sketch.GetValueOrDefault(sketches[i + 1]) + sketches[i + 2];
        }
    }

    /// <summary>
    /// The bin of a duration of whole seconds: the duration itself below 100 s, and above it the duration rounded down
    /// to two significant figures (100, 110, … 990, 1,000, 1,100, … 9,900, 10,000, 11,000 …). A percentile read from
    /// bins is therefore exact below 100 s and at most 10% low above it, whatever the number of durations.
    /// </summary>
    public static int Bin(long seconds)
    {
        if (seconds < 100)
        {
            return (int)Math.Max(0, seconds);
        }

        long step = 1;
        while (seconds / step >= 100)
        {
            step *= 10;
        }

        return (int)Math.Min(int.MaxValue, seconds - seconds % step);
    }

    /// <summary>The nearest-rank percentile (the smallest bin with at least <paramref name="fraction"/> of the
    /// durations at or below it), in seconds; null without durations.</summary>
    public static int? Percentile(SortedDictionary<int, long> sketch, double fraction)
    {
        var total = sketch.Values.Sum();
        if (total == 0)
        {
            return null;
        }

        var rank = (long)Math.Ceiling(fraction * total);
        long seen = 0;
        foreach (var (bin, count) in sketch)
        {
            seen += count;
            if (seen >= rank)
            {
                return bin;
            }
        }

        return sketch.Keys.Last();
    }
}
