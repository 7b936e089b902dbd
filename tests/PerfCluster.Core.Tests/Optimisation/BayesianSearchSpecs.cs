using PerfCluster.Core.Optimisation;
using Xunit;

namespace PerfCluster.Core.Tests.Optimisation;

/// <summary>The search space's encoding, the Gaussian process, and the search on the standard test functions (Branin, Hartmann-6).</summary>
public sealed class BayesianSearchSpecs
{
    private static readonly SearchSpace Unit2 = new([ParameterDefinition.Real("x1", 0, 1), ParameterDefinition.Real("x2", 0, 1)]);

    private static double Branin(double[] u) => TestFunctions.Branin(u);

    private const double BraninMinimum = TestFunctions.BraninMinimum;

    private static double Hartmann6(double[] x) => TestFunctions.Hartmann6(x);

    private const double Hartmann6Minimum = TestFunctions.Hartmann6Minimum;

    private static double Search(SearchSpace space, Func<double[], double> f, int seed, int budget, int initial)
    {
        var search = new BayesianSearch(space, seed, initial);
        var observations = new List<Observation>();
        for (var i = 0; i < budget; i++)
        {
            var point = search.Next(observations);
            observations.Add(new Observation(point, f(point)));
        }
        return observations.Min(o => o.Value);
    }

    private static double RandomSearch(SearchSpace space, Func<double[], double> f, int seed, int budget)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, budget).Min(_ => f(space.Snap(Enumerable.Range(0, space.Dimensions).Select(_ => random.NextDouble()).ToArray())));
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    [Fact]
    public void Should_snap_integers_to_their_step_booleans_and_choices_and_read_a_configuration_back()
    {
        var space = new SearchSpace([
            ParameterDefinition.Integer("db_pool_size", 5, 100, 5),
            ParameterDefinition.Boolean("compression_enabled"),
            ParameterDefinition.Choice("codec", "gzip", "brotli", "zstd"),
            ParameterDefinition.Real("request_timeout", 1, 30),
        ]);
        Assert.Equal(6, space.Dimensions);
        var values = space.Decode([0.511, 0.7, 0.1, 0.9, 0.3, 0.5]);
        Assert.Equal(55L, values["db_pool_size"]);   // 5 + round(0.511 · 19) · 5
        Assert.Equal(true, values["compression_enabled"]);
        Assert.Equal("brotli", values["codec"]);
        Assert.Equal(15.5, (double)values["request_timeout"], 9);
        Assert.Equal(values, space.Decode(space.Encode(values)));
    }

    [Fact]
    public void Should_fit_a_smooth_function_closely_and_be_unsure_only_away_from_the_data()
    {
        var random = new Random(3);
        var x = Enumerable.Range(0, 25).Select(_ => new[] { random.NextDouble(), random.NextDouble() }).ToList();
        var process = new GaussianProcess();
        process.Fit(x, x.Select(p => Math.Sin(6 * p[0]) + p[1] * p[1]).ToList(), random);

        var (mean, sd) = process.Predict([0.5, 0.5]);
        Assert.InRange(mean, Math.Sin(3) + 0.25 - 0.1, Math.Sin(3) + 0.25 + 0.1);
        Assert.True(process.Predict(x[0]).StdDev < sd + 1e-9);
        Assert.True(process.LengthScales[1] > process.LengthScales[0], "x1 varies faster than x2: its length scale is shorter");
    }

    [Fact]
    public void Should_get_close_to_the_branin_minimum_in_20_trials_and_beat_random_search()
    {
        // Branin ranges from 0.398 to about 308 on its domain: within 0.1 of the minimum is the top 0.03% of its range.
        var seeds = Enumerable.Range(1, 5).ToList();
        var bayes = Median(seeds.Select(s => Search(Unit2, Branin, s, budget: 20, initial: 6)));
        var random = Median(seeds.Select(s => RandomSearch(Unit2, Branin, s, budget: 20)));
        Assert.True(bayes < BraninMinimum + 0.1, $"median best {bayes} after 20 trials");
        Assert.True(bayes < random, $"Bayesian {bayes} against random {random}");
    }

    [Fact]
    public void Should_search_six_dimensions_of_hartmann_better_than_random_search()
    {
        var space = new SearchSpace(Enumerable.Range(1, 6).Select(i => ParameterDefinition.Real($"x{i}", 0, 1)).ToList());
        var seeds = Enumerable.Range(1, 3).ToList();
        var bayes = Median(seeds.Select(s => Search(space, Hartmann6, s, budget: 40, initial: 10)));
        var random = Median(seeds.Select(s => RandomSearch(space, Hartmann6, s, budget: 40)));
        Assert.True(bayes < random, $"Bayesian {bayes} against random {random}");
        Assert.True(bayes < -2.5, $"median best {bayes} after 40 trials (minimum {Hartmann6Minimum})");
    }

    [Fact]
    public void Should_never_propose_a_configuration_it_has_tried()
    {
        var space = new SearchSpace([ParameterDefinition.Integer("threads", 1, 4), ParameterDefinition.Boolean("cache")]);
        var search = new BayesianSearch(space, 7, 3);
        var observations = new List<Observation>();
        for (var i = 0; i < 8; i++)
        {
            var point = search.Next(observations);
            Assert.DoesNotContain(observations, o => o.Point.SequenceEqual(point));
            observations.Add(new Observation(point, point.Sum()));
        }
        Assert.Equal(8, observations.Select(o => string.Join(",", o.Point)).Distinct().Count());   // every one of the 4 × 2 configurations
    }
}
