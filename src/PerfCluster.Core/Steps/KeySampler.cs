namespace PerfCluster.Core.Steps;

/// <summary>
/// Draws keys 1..n for the template built-ins: <c>zipf(n, s)</c> (key k with probability ∝ 1/k^s, the usual model of a
/// hot set) and <c>sequence(n)</c> (1, 2, …, n, 1, … shared by every user of the node: a sequential scan). Uniform keys
/// are <c>random_int(1, n)</c>. Thread-safe; nothing is allocated per draw.
/// </summary>
public abstract class KeySampler
{
    public abstract long Next();

    public static KeySampler Zipf(long n, double s) => new ZipfSampler(n, s);

    public static KeySampler Sequence(long n) => new SequenceSampler(n);

    private sealed class SequenceSampler(long n) : KeySampler
    {
        private long _next = -1;

        public override long Next() => (long)((ulong)Interlocked.Increment(ref _next) % (ulong)n) + 1;
    }

    /// <summary>
    /// Rejection-inversion sampling (W. Hörmann and G. Derflinger, "Rejection-inversion to generate variates from monotone
    /// discrete distributions", 1996): O(1) time and memory for any n, exact for every s &gt; 0 (s = 1 included).
    /// </summary>
    private sealed class ZipfSampler : KeySampler
    {
        private readonly long _n;
        private readonly double _s;
        private readonly double _hIntegralX1;
        private readonly double _hIntegralN;
        private readonly double _threshold;

        public ZipfSampler(long n, double s)
        {
            _n = n;
            _s = s;
            _hIntegralX1 = HIntegral(1.5) - 1;
            _hIntegralN = HIntegral(n + 0.5);
            _threshold = 2 - HIntegralInverse(HIntegral(2.5) - H(2));
        }

        public override long Next()
        {
            if (_n == 1) return 1;
            while (true)
            {
                var u = _hIntegralN + Random.Shared.NextDouble() * (_hIntegralX1 - _hIntegralN);
                var x = HIntegralInverse(u);
                var k = (long)(x + 0.5);
                if (k < 1) k = 1;
                else if (k > _n) k = _n;
                if (k - x <= _threshold || u >= HIntegral(k + 0.5) - H(k)) return k;
            }
        }

        private double H(double x) => Math.Exp(-_s * Math.Log(x));

        /// <summary>∫ h: ((x^(1-s)) - 1) / (1 - s), continuous at s = 1 (ln x).</summary>
        private double HIntegral(double x)
        {
            var logX = Math.Log(x);
            return Helper2((1 - _s) * logX) * logX;
        }

        private double HIntegralInverse(double x)
        {
            var t = x * (1 - _s);
            if (t < -1) t = -1;   // guards rounding at the lower end
            return Math.Exp(Helper1(t) * x);
        }

        /// <summary>ln(1 + x) / x, with its series near 0.</summary>
        private static double Helper1(double x) =>
            Math.Abs(x) > 1e-8 ? Math.Log(1 + x) / x : 1 - x * (0.5 - x * (1.0 / 3 - 0.25 * x));

        /// <summary>(e^x - 1) / x, with its series near 0.</summary>
        private static double Helper2(double x) =>
            Math.Abs(x) > 1e-8 ? (Math.Exp(x) - 1) / x : 1 + x * 0.5 * (1 + x / 3 * (1 + 0.25 * x));
    }
}
