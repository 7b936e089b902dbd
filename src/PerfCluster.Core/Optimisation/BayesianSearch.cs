using MathNet.Numerics.Distributions;

namespace PerfCluster.Core.Optimisation;

/// <summary>One evaluated configuration: its point of the cube and the value to minimise (a score turned into a cost).</summary>
public sealed record Observation(double[] Point, double Value);

/// <summary>
/// Bayesian optimisation, ask and tell: a space-filling start (the best of several Latin hypercubes by their smallest
/// distance), then the point of largest expected improvement under a Gaussian process fitted to everything observed.
/// The acquisition is maximised over random points, points near the best ones and Nelder–Mead refinements of the most
/// promising, all snapped to valid configurations; a configuration already tried is never proposed again.
/// </summary>
public sealed class BayesianSearch
{
    private readonly SearchSpace _space;
    private readonly Random _random;
    private readonly List<double[]> _design;
    private readonly GaussianProcess _process = new();
    private int _fits;

    /// <param name="initial">Points of the space-filling design before the process takes over.</param>
    public BayesianSearch(SearchSpace space, int seed, int initial)
    {
        _space = space;
        _random = new Random(seed);
        Initial = Math.Max(2, initial);
        _design = SpaceFilling(Initial);
    }

    public int Initial { get; }

    /// <summary>The process as last fitted (its length scales rank the parameters); null before the design is done.</summary>
    public GaussianProcess? Process { get; private set; }

    /// <summary>The expected improvement of the last point <see cref="Next"/> proposed; NaN while the space-filling design runs.</summary>
    public double LastExpectedImprovement { get; private set; } = double.NaN;

    /// <summary>The next point to evaluate, given every observation so far.</summary>
    public double[] Next(IReadOnlyList<Observation> observations)
    {
        var tried = new HashSet<string>(observations.Select(o => Key(o.Point)));
        LastExpectedImprovement = double.NaN;
        if (observations.Count < Initial)
        {
            foreach (var point in _design)
                if (!tried.Contains(Key(point))) return point;
        }
        if (observations.Count < 2) return RandomPoint(tried);

        // A full fit (three starts) while the data are few and every fifth proposal after; in between, a short refinement
        // from the last hyperparameters, which move little from one trial to the next (the proposal stays fast at 100 trials).
        _fits++;
        var full = Process is null || observations.Count < 30 || _fits % 5 == 0;
        var many = observations.Count >= 60;
        _process.Fit(observations.Select(o => o.Point).ToList(), observations.Select(o => o.Value).ToList(), _random,
            restarts: full ? (many ? 1 : 2) : 0, evaluations: full ? (many ? 80 : 150) : 40);
        Process = _process;
        // The incumbent as the process sees it (the lowest predicted mean where it has measured), not the lowest noisy measurement:
        // one lucky trial would otherwise make every improvement look unlikely.
        var best = observations.Min(o => _process.Predict(o.Point).Mean);
        double Acquisition(double[] x) => ExpectedImprovement(_process, _space.Snap(x), best);

        var candidates = new List<double[]>();
        for (var i = 0; i < 512; i++) candidates.Add(_space.Snap(Enumerable.Range(0, _space.Dimensions).Select(_ => _random.NextDouble()).ToArray()));
        // Around the best five, at four scales: the maximum of expected improvement is usually near the incumbent, at a
        // distance the random candidates rarely hit in several dimensions.
        var scales = new[] { 0.02, 0.05, 0.1, 0.2 };
        foreach (var o in observations.OrderBy(o => o.Value).Take(5))
            foreach (var scale in scales)
                for (var i = 0; i < 32; i++)
                    candidates.Add(_space.Snap(o.Point.Select(v => v + Gaussian() * scale).ToArray()));
        var scored = candidates.Select(c => (Point: c, Value: Acquisition(c))).OrderByDescending(c => c.Value).ToList();
        foreach (var top in scored.Take(3).ToList())
        {
            var refined = NelderMead.Minimize(x => -Acquisition(x), top.Point, 0.05, 60);
            scored.Add((_space.Snap(refined.Point), -refined.Value));
        }
        foreach (var c in scored.OrderByDescending(c => c.Value))
        {
            if (tried.Contains(Key(c.Point))) continue;
            LastExpectedImprovement = c.Value;
            return c.Point;
        }
        return RandomPoint(tried);
    }

    /// <summary>E[max(best − f(x), 0)] under the process: improvement on the lowest value seen.</summary>
    public static double ExpectedImprovement(GaussianProcess process, double[] point, double best)
    {
        var (mean, sd) = process.Predict(point);
        if (sd < 1e-12) return Math.Max(0, best - mean);
        var z = (best - mean) / sd;
        return (best - mean) * Normal.CDF(0, 1, z) + sd * Normal.PDF(0, 1, z);
    }

    private double[] RandomPoint(HashSet<string> tried)
    {
        for (var i = 0; i < 1000; i++)
        {
            var point = _space.Snap(Enumerable.Range(0, _space.Dimensions).Select(_ => _random.NextDouble()).ToArray());
            if (!tried.Contains(Key(point))) return point;
        }
        return _space.Snap(Enumerable.Range(0, _space.Dimensions).Select(_ => _random.NextDouble()).ToArray());
    }

    /// <summary>The best of 20 Latin hypercubes of <paramref name="n"/> points by their smallest pairwise distance, snapped.</summary>
    private List<double[]> SpaceFilling(int n)
    {
        List<double[]>? best = null;
        var bestDistance = -1.0;
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var columns = Enumerable.Range(0, _space.Dimensions).Select(_ => Enumerable.Range(0, n).OrderBy(_ => _random.Next()).ToArray()).ToArray();
            var points = Enumerable.Range(0, n).Select(i => _space.Snap(columns.Select(c => (c[i] + _random.NextDouble()) / n).ToArray())).ToList();
            var distance = double.MaxValue;
            for (var i = 0; i < n; i++)
            for (var j = 0; j < i; j++)
                distance = Math.Min(distance, points[i].Zip(points[j], (a, b) => (a - b) * (a - b)).Sum());
            if (distance > bestDistance)
            {
                bestDistance = distance;
                best = points;
            }
        }
        return best!;
    }

    private double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble());

    private static string Key(double[] point) => string.Join(",", point.Select(v => Math.Round(v, 9).ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
}
