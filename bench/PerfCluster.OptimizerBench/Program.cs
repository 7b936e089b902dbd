using System.Diagnostics;
using System.Globalization;
using PerfCluster.Core.Optimisation;
using PerfCluster.Core.Scenarios;
using PerfCluster.Target;

// Usage: PerfCluster.OptimizerBench SEEDS SCENARIO_FILE
var seeds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
var scenarioFile = args.Length > 1 ? args[1] : "hocon/scenarios/optimize.conf";
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

// 1. Noisy Branin and Hartmann-6: the true value of each method's pick after 20 trials, as normalised regret
//    (f - f*) / (median f - f*): 0 is the optimum, 1 a typical point; "within 5 %" is a regret of 0.05 or less.
foreach (var (name, f, fStar, dims, noise) in new[]
         {
             ("Branin", (Func<double[], double>)TestFunctions.Branin, TestFunctions.BraninMinimum, 2, 0.5),
             ("Hartmann-6", TestFunctions.Hartmann6, TestFunctions.Hartmann6Minimum, 6, 0.05),
         })
{
    var space = new SearchSpace(Enumerable.Range(1, dims).Select(i => ParameterDefinition.Real($"x{i}", 0, 1)).ToList());
    var sampler = new Random(99);
    var median = Median(Enumerable.Range(0, 20000).Select(_ => f(Enumerable.Range(0, dims).Select(_ => sampler.NextDouble()).ToArray())));
    double Regret(double[] x) => (f(x) - fStar) / (median - fStar);
    var results = new Dictionary<string, List<double>> { ["gp"] = new(), ["random"] = new(), ["grid"] = new() };
    for (var seed = 1; seed <= seeds; seed++)
    {
        var noiseRandom = new Random(seed * 7919);
        double Noisy(double[] x) => f(x) + noise * Gaussian(noiseRandom);
        results["gp"].Add(Regret(PickBayes(space, Noisy, seed, 20, dims + 2)));
        results["random"].Add(Regret(PickOf(RandomPoints(space, seed, 20), Noisy)));
        results["grid"].Add(Regret(PickOf(GridPoints(space, seed, 20), Noisy)));
    }
    foreach (var (method, regrets) in results)
        Console.WriteLine($"RESULT function={name} noise_sd={noise} trials=20 method={method} median_regret={Median(regrets):0.000} " +
                          $"within_5pct={regrets.Count(r => r <= 0.05)}/{seeds}");
}

// 2. The demo target's model through the study loop itself (the optimize block of the scenario file, measurements simulated
//    with the noise a 4 s trial shows): trials until a configuration within 5 % of the known optimum was tried, and the
//    pick's gain against the optimum's.
var plan = ScenarioLoader.LoadFile(scenarioFile);
var study = StudyReader.Read(plan.SourceText, plan.SourceFile, plan)!;
var (optimum, optimumScore) = TuningModel.Optimum(TuningModel.Defaults);
Console.WriteLine($"demo model optimum: {optimum} score {optimumScore:0.000} (gain {Math.Exp(optimumScore) - 1:P0})");
foreach (var method in new[] { "gp", "random" })
{
    var reached = new List<int>();
    var picks = new List<double>();
    for (var seed = 1; seed <= seeds; seed++)
    {
        var seeded = study with { Patience = int.Parse(Environment.GetEnvironmentVariable("BENCH_PATIENCE") ?? study.Patience.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture), InitialTrials = int.Parse(Environment.GetEnvironmentVariable("BENCH_INITIAL") ?? study.InitialTrials.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture), Seed = seed, MaxTrials = int.Parse(Environment.GetEnvironmentVariable("BENCH_TRIALS") ?? study.MaxTrials.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) };
        var runner = new SimulatedDemo(seeded, seed);
        var result = method == "gp"
            ? await new Optimiser(seeded, runner, _ => Task.CompletedTask).RunAsync([], CancellationToken.None)
            : await runner.RandomStudyAsync();
        var first = result.Trials.FirstOrDefault(t => SimulatedDemo.ModelOf(t.Trial.Parameters).ExpectedScore(TuningModel.Defaults) >= optimumScore - Math.Log(1.05));
        reached.Add(first?.Trial.Number ?? int.MaxValue);
        var pick = result.Best is { } best ? SimulatedDemo.ModelOf(best).ExpectedScore(TuningModel.Defaults) : 0;
        picks.Add(Math.Exp(pick - optimumScore));
        if (Environment.GetEnvironmentVariable("BENCH_VERBOSE") == "2" && seed == 1)
            foreach (var t in result.Trials)
                Console.WriteLine($"    {t.Trial.Number} {t.Trial.Kind} {string.Join(" ", t.Trial.Parameters.Values)} score={t.Score:0.000} feasible={t.Feasible} true={SimulatedDemo.ModelOf(t.Trial.Parameters).ExpectedScore(TuningModel.Defaults):0.000}");
        if (Environment.GetEnvironmentVariable("BENCH_VERBOSE") == "1")
            Console.WriteLine($"  {method} seed {seed}: {result.Trials.Count} trials, stop '{result.StopReason}', pick {Math.Exp(pick - optimumScore):0.000}, " +
                              $"best tried {result.Trials.Max(t => Math.Exp(SimulatedDemo.ModelOf(t.Trial.Parameters).ExpectedScore(TuningModel.Defaults) - optimumScore)):0.000}");
    }
    var within = reached.Count(r => r <= study.MaxTrials);
    Console.WriteLine($"RESULT function=demo-target trials={study.MaxTrials} method={method} median_trials_to_5pct={(Median(reached.Select(r => (double)r)) is var m && m < 1e6 ? m.ToString("0") : "never")} " +
                      $"reached_5pct={within}/{seeds} median_pick_vs_optimum={Median(picks):0.000}");
}

// 3. Time to propose the next trial with 100 trials observed in 6 dimensions (Hartmann-6), over 10 proposals.
{
    var space = new SearchSpace(Enumerable.Range(1, 6).Select(i => ParameterDefinition.Real($"x{i}", 0, 1)).ToList());
    var search = new BayesianSearch(space, 1, 8);
    var observations = new List<Observation>();
    var times = new List<double>();
    for (var i = 0; i < 110; i++)
    {
        var clock = Stopwatch.GetTimestamp();
        var point = search.Next(observations);
        if (i >= 100) times.Add(Stopwatch.GetElapsedTime(clock).TotalMilliseconds);
        observations.Add(new Observation(point, TestFunctions.Hartmann6(point)));
    }
    Console.WriteLine($"RESULT proposal_ms_at_100_trials_6d mean={times.Average():0} max={times.Max():0}");
}
return 0;

static double[] PickBayes(SearchSpace space, Func<double[], double> f, int seed, int budget, int initial)
{
    var search = new BayesianSearch(space, seed, initial);
    var observations = new List<Observation>();
    for (var i = 0; i < budget; i++)
    {
        var point = search.Next(observations);
        observations.Add(new Observation(point, f(point)));
    }
    // The pick: the lowest predicted mean among the points tried (robust to a lucky measurement).
    var process = new GaussianProcess();
    process.Fit(observations.Select(o => o.Point).ToList(), observations.Select(o => o.Value).ToList(), new Random(seed));
    return observations.MinBy(o => process.Predict(o.Point).Mean)!.Point;
}

static double[] PickOf(IEnumerable<double[]> points, Func<double[], double> f) => points.Select(p => (p, v: f(p))).MinBy(x => x.v).p;

static IEnumerable<double[]> RandomPoints(SearchSpace space, int seed, int n)
{
    var random = new Random(seed);
    return Enumerable.Range(0, n).Select(_ => space.Snap(Enumerable.Range(0, space.Dimensions).Select(_ => random.NextDouble()).ToArray())).ToList();
}

// A grid with the same budget: k levels per dimension (k^d <= n, at least 2), cell centres, shuffled, the first n.
static IEnumerable<double[]> GridPoints(SearchSpace space, int seed, int n)
{
    var d = space.Dimensions;
    var k = Math.Max(2, (int)Math.Floor(Math.Pow(n, 1.0 / d) + 1e-9));
    var points = new List<double[]>();
    var total = (int)Math.Pow(k, d);
    for (var i = 0; i < total; i++)
    {
        var point = new double[d];
        var rest = i;
        for (var j = 0; j < d; j++)
        {
            point[j] = (rest % k + 0.5) / k;
            rest /= k;
        }
        points.Add(point);
    }
    var random = new Random(seed);
    return points.OrderBy(_ => random.Next()).Take(n).ToList();
}

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}

static double Gaussian(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

/// <summary>The demo target's model measured as a 4 s trial of 20 users would measure it: throughput and p95 within ±3 %, the error
/// rate as a share of the requests of the trial, the CPU gauge within ±3 %.</summary>
sealed class SimulatedDemo(StudyDefinition study, int seed) : ITrialRunner
{
    private const int Users = 20;
    private readonly Random _noise = new(seed * 104729);

    public static TuningModel ModelOf(IReadOnlyDictionary<string, string> p) => new(
        long.Parse(p["db_pool_size"], CultureInfo.InvariantCulture), long.Parse(p["cache_size_mb"], CultureInfo.InvariantCulture),
        long.Parse(p["worker_threads"], CultureInfo.InvariantCulture), double.Parse(p["request_timeout"], CultureInfo.InvariantCulture),
        long.Parse(p["batch_size"], CultureInfo.InvariantCulture), bool.Parse(p["compression_enabled"]));

    public Task<TrialOutcome> RunAsync(int number, IReadOnlyDictionary<string, object> configuration, TrialRecord? baseline, CancellationToken cancellationToken)
    {
        var model = ModelOf(configuration.ToDictionary(c => c.Key, c => StudyDefinition.Format(c.Value)));
        var latency = model.Latency.TotalSeconds;
        var throughput = Users / latency * (1 + 0.03 * Gaussian(_noise));
        var requests = throughput * 4;
        var errors = Math.Max(0, model.ErrorRate * requests + Math.Sqrt(model.ErrorRate * requests) * Gaussian(_noise));
        var metrics = new Dictionary<string, double?>
        {
            ["throughput"] = throughput,
            ["p95"] = 1.09 * latency * (1 + 0.03 * Gaussian(_noise)),
            ["error_rate"] = errors / requests,
            ["series.demo_cpu_usage_percent"] = model.CpuPercent * (1 + 0.015 * Gaussian(_noise)),
        };
        return Task.FromResult(new TrialOutcome(metrics, TrialStatuses.Completed, null, null));
    }

    public Task<string?> ApplyAsync(IReadOnlyDictionary<string, object> configuration, CancellationToken cancellationToken) => Task.FromResult<string?>(null);

    /// <summary>Random search with the same budget: the baseline, then uniform random configurations; the pick is the best measured.</summary>
    public async Task<StudyResult> RandomStudyAsync()
    {
        var trials = new List<TrialRecord>();
        var r = new Random(seed);
        for (var i = 0; i < study.MaxTrials; i++)
        {
            var point = i == 0 ? study.Space.Encode(study.Start) : study.Space.Snap(Enumerable.Range(0, study.Space.Dimensions).Select(_ => r.NextDouble()).ToArray());
            var values = study.Space.Decode(point);
            var outcome = await RunAsync(i + 1, values, null, CancellationToken.None);
            trials.Add(new TrialRecord(i + 1, i == 0 ? TrialKinds.Baseline : TrialKinds.Design, point, values.ToDictionary(v => v.Key, v => StudyDefinition.Format(v.Value)),
                outcome.Metrics, outcome.Status, null, null, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow));
        }
        return StudyResult.Of(study, trials, trials[0], StopReasons.Trials, false, null, null, []);
    }

    private static double Gaussian(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
