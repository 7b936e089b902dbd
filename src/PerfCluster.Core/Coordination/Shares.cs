namespace PerfCluster.Core.Coordination;

/// <summary>A worker's part of the global user population: global user indices [From, To).</summary>
public sealed record UserShare(int From, int To)
{
    public int Count => To - From;
}

public static class Shares
{
    /// <summary>
    /// Splits <paramref name="total"/> into integer parts proportional to <paramref name="weights"/> by the
    /// largest-remainder method: the parts always sum to exactly <paramref name="total"/>; ties go to the
    /// lower index so the split is deterministic.
    /// </summary>
    public static int[] LargestRemainder(int total, IReadOnlyList<double> weights)
    {
        if (total < 0) throw new ArgumentOutOfRangeException(nameof(total));
        if (weights.Count == 0) throw new ArgumentException("at least one weight is needed", nameof(weights));
        if (weights.Any(w => w < 0 || !double.IsFinite(w))) throw new ArgumentException("weights must be finite and >= 0", nameof(weights));
        var sum = weights.Sum();
        var parts = new int[weights.Count];
        if (sum <= 0) throw new ArgumentException("weights must sum to a positive number", nameof(weights));

        var remainders = new double[weights.Count];
        var assigned = 0;
        for (var i = 0; i < weights.Count; i++)
        {
            var exact = total * weights[i] / sum;
            parts[i] = (int)Math.Floor(exact);
            remainders[i] = exact - parts[i];
            assigned += parts[i];
        }
        foreach (var i in Enumerable.Range(0, weights.Count).OrderByDescending(i => remainders[i]).ThenBy(i => i).Take(total - assigned))
            parts[i]++;
        return parts;
    }

    /// <summary>Consecutive global-index ranges for each worker, in the order of <paramref name="weights"/>.</summary>
    public static IReadOnlyList<UserShare> SplitUsers(int totalUsers, IReadOnlyList<double> weights)
    {
        var counts = LargestRemainder(totalUsers, weights);
        var shares = new List<UserShare>(counts.Length);
        var from = 0;
        foreach (var c in counts)
        {
            shares.Add(new UserShare(from, from + c));
            from += c;
        }
        return shares;
    }
}
