namespace PerfCluster.Core.Optimisation;

/// <summary>
/// The Nelder–Mead simplex on an evaluation budget, returning the best point it saw. Math.NET's NelderMeadSimplex throws
/// when it runs out of iterations and keeps the best point to itself; the fits and acquisitions here need a fixed
/// budget and its best, so this small one is written here.
/// </summary>
public static class NelderMead
{
    public static (double[] Point, double Value) Minimize(Func<double[], double> f, double[] start, double step, int evaluations)
    {
        var n = start.Length;
        var simplex = new double[n + 1][];
        var values = new double[n + 1];
        simplex[0] = (double[])start.Clone();
        values[0] = f(simplex[0]);
        for (var i = 0; i < n; i++)
        {
            simplex[i + 1] = (double[])start.Clone();
            simplex[i + 1][i] += step;
            values[i + 1] = f(simplex[i + 1]);
        }
        var used = n + 1;
        var centroid = new double[n];
        while (used < evaluations)
        {
            Array.Sort(values, simplex);
            if (Math.Abs(values[n] - values[0]) < 1e-10 * (1 + Math.Abs(values[0]))) break;
            Array.Clear(centroid);
            for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
                centroid[j] += simplex[i][j] / n;
            double[] Along(double t) => centroid.Select((c, j) => c + t * (simplex[n][j] - c)).ToArray();
            var reflected = Along(-1);
            var r = f(reflected);
            used++;
            if (r < values[0])
            {
                var expanded = Along(-2);
                var e = f(expanded);
                used++;
                (simplex[n], values[n]) = e < r ? (expanded, e) : (reflected, r);
            }
            else if (r < values[n - 1])
            {
                (simplex[n], values[n]) = (reflected, r);
            }
            else
            {
                var contracted = Along(r < values[n] ? -0.5 : 0.5);
                var c = f(contracted);
                used++;
                if (c < Math.Min(r, values[n])) (simplex[n], values[n]) = (contracted, c);
                else
                {
                    for (var i = 1; i <= n; i++)
                    {
                        simplex[i] = simplex[i].Select((x, j) => simplex[0][j] + 0.5 * (x - simplex[0][j])).ToArray();
                        values[i] = f(simplex[i]);
                    }
                    used += n;
                }
            }
        }
        var best = Array.IndexOf(values, values.Min());
        return (simplex[best], values[best]);
    }
}
