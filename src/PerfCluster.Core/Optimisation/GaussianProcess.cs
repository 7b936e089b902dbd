using MathNet.Numerics.LinearAlgebra;

namespace PerfCluster.Core.Optimisation;

/// <summary>
/// A Gaussian process on the unit cube: Matérn 5/2 kernel with one length scale per dimension (ARD), a signal variance
/// and a noise variance, all fitted by maximising the log marginal likelihood (Nelder–Mead on their logarithms, from the
/// last fit and a few random starts). Targets are standardised; predictions come back in their units. Linear algebra
/// is Math.NET's Cholesky.
/// </summary>
public sealed class GaussianProcess
{
    private static readonly double Sqrt5 = Math.Sqrt(5);

    // Bounds of the hyperparameters, on the unit cube and standardised targets.
    private const double PessimismSd = 2;

    private const double MinLength = 0.02, MaxLength = 10, MinSignal = 0.05, MaxSignal = 20, MinNoise = 1e-6, MaxNoise = 1;

    private double[][] _x = [];
    private Vector<double> _alpha = Vector<double>.Build.Dense(1);
    private MathNet.Numerics.LinearAlgebra.Factorization.Cholesky<double>? _cholesky;
    /// <summary>The Cholesky factor L, row-major, for forward substitution in <see cref="Predict"/> (O(n²) per point).</summary>
    private double[] _lower = [];
    private double _mean;
    private double _scale = 1;

    /// <summary>One length scale per dimension: short means the objective changes fast along it (parameter importance).</summary>
    public double[] LengthScales { get; private set; } = [];

    public double SignalVariance { get; private set; } = 1;

    public double NoiseVariance { get; private set; } = 1e-3;

    public double LogMarginalLikelihood { get; private set; } = double.NaN;

    /// <summary>The fitted measurement noise as a standard deviation in the targets' own units.</summary>
    public double NoiseStdDev => Math.Sqrt(NoiseVariance) * _scale;

    /// <summary>Fits the hyperparameters (maximum a posteriori: the marginal likelihood and the length-scale prior) and conditions on the observations.</summary>
    public void Fit(IReadOnlyList<double[]> x, IReadOnlyList<double> y, Random random, int restarts = 2, int evaluations = 150)
    {
        if (x.Count == 0 || x.Count != y.Count) throw new ArgumentException("a fit needs as many targets as points, at least one");
        var d = x[0].Length;
        _x = x.Select(p => (double[])p.Clone()).ToArray();
        _mean = y.Average();
        var sd = Math.Sqrt(y.Sum(v => (v - _mean) * (v - _mean)) / Math.Max(1, y.Count - 1));
        _scale = sd > 1e-12 ? sd : 1;
        // A pessimistic prior mean (two standard deviations above the average cost): far from every observation the process
        // expects a poor configuration, not an average one, so the search does not chase the edges of the space on hope alone.
        _mean += PessimismSd * _scale;
        var targets = Vector<double>.Build.DenseOfEnumerable(y.Select(v => (v - _mean) / _scale));

        double Objective(double[] theta) => -Likelihood(Unpack(theta, d), targets) - LogPrior(theta, d);
        var starts = new List<double[]>();
        starts.Add(Pack(LengthScales.Length == d ? LengthScales : Enumerable.Repeat(0.3, d).ToArray(), SignalVariance, NoiseVariance));
        for (var i = 0; i < restarts; i++)
            starts.Add(Pack(Enumerable.Range(0, d).Select(_ => Math.Exp(Math.Log(0.05) + random.NextDouble() * (Math.Log(2) - Math.Log(0.05)))).ToArray(),
                Math.Exp(random.NextDouble() * 2 - 1), Math.Exp(Math.Log(1e-4) + random.NextDouble() * 5)));
        var best = starts.Select(s => NelderMead.Minimize(Objective, s, 0.7, evaluations)).MinBy(r => r.Value);
        var (lengths, signal, noise) = Unpack(best.Point, d);
        LengthScales = lengths;
        SignalVariance = signal;
        NoiseVariance = noise;
        LogMarginalLikelihood = -best.Value;
        Condition(targets);
    }

    /// <summary>The predicted mean and standard deviation at <paramref name="point"/>, in the targets' units.</summary>
    public (double Mean, double StdDev) Predict(double[] point)
    {
        if (_cholesky is null) throw new InvalidOperationException("fit the process first");
        var n = _x.Length;
        Span<double> v = n <= 512 ? stackalloc double[n] : new double[n];
        var mean = 0.0;
        for (var i = 0; i < n; i++)
        {
            var k = Kernel(point, _x[i], LengthScales, SignalVariance);
            mean += k * _alpha[i];
            // Forward substitution, L v = k, row by row as k is made.
            var sum = k;
            var row = i * n;
            for (var j = 0; j < i; j++) sum -= _lower[row + j] * v[j];
            v[i] = sum / _lower[row + i];
        }
        var explained = 0.0;
        foreach (var x in v) explained += x * x;
        var variance = Math.Max(1e-12, SignalVariance - explained);
        return (_mean + _scale * mean, _scale * Math.Sqrt(variance));
    }

    private void Condition(Vector<double> targets)
    {
        var covariance = Covariance(LengthScales, SignalVariance, NoiseVariance);
        _cholesky = covariance.Cholesky();
        _alpha = _cholesky.Solve(targets);
        var n = _x.Length;
        var factor = _cholesky.Factor;
        _lower = new double[n * n];
        for (var i = 0; i < n; i++)
        for (var j = 0; j <= i; j++)
            _lower[i * n + j] = factor[i, j];
    }

    private Matrix<double> Covariance(double[] lengths, double signal, double noise)
    {
        var n = _x.Length;
        var k = new double[n * n];   // column-major, as Math.NET stores it: no per-element indexer calls
        for (var i = 0; i < n; i++)
        {
            k[i * n + i] = signal + noise + 1e-9;
            for (var j = 0; j < i; j++) k[i * n + j] = k[j * n + i] = Kernel(_x[i], _x[j], lengths, signal);
        }
        return Matrix<double>.Build.Dense(n, n, k);
    }

    private double Likelihood((double[] Lengths, double Signal, double Noise) h, Vector<double> targets)
    {
        try
        {
            var cholesky = Covariance(h.Lengths, h.Signal, h.Noise).Cholesky();
            var alpha = cholesky.Solve(targets);
            var logDet = 0.0;
            for (var i = 0; i < targets.Count; i++) logDet += Math.Log(cholesky.Factor[i, i]);
            var value = -0.5 * targets.DotProduct(alpha) - logDet - 0.5 * targets.Count * Math.Log(2 * Math.PI);
            return double.IsFinite(value) ? value : -1e300;
        }
        catch (ArgumentException)
        {
            return -1e300;   // not positive definite
        }
    }

    /// <summary>
    /// A log-normal prior on each length scale, centred on 0.3·√d of the unit cube (σ = 1 in log space): with few points in
    /// several dimensions the likelihood alone overfits (very short scales), the prior keeps the fit smooth until data say otherwise.
    /// </summary>
    private static double LogPrior(double[] theta, int d)
    {
        var mu = Math.Log(0.3 * Math.Sqrt(d));
        var sum = 0.0;
        for (var i = 0; i < d; i++) sum -= (theta[i] - mu) * (theta[i] - mu) / 2;
        return sum;
    }

    public static double Kernel(double[] a, double[] b, double[] lengths, double signal)
    {
        var r2 = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            var t = (a[i] - b[i]) / lengths[i];
            r2 += t * t;
        }
        var r = Math.Sqrt(r2);
        return signal * (1 + Sqrt5 * r + 5 * r2 / 3) * Math.Exp(-Sqrt5 * r);
    }

    private static double[] Pack(double[] lengths, double signal, double noise) =>
        [.. lengths.Select(l => Math.Log(l)), Math.Log(signal), Math.Log(noise)];

    private static (double[] Lengths, double Signal, double Noise) Unpack(double[] theta, int d) => (
        Enumerable.Range(0, d).Select(i => Math.Clamp(Math.Exp(theta[i]), MinLength, MaxLength)).ToArray(),
        Math.Clamp(Math.Exp(theta[d]), MinSignal, MaxSignal),
        Math.Clamp(Math.Exp(theta[d + 1]), MinNoise, MaxNoise));
}
