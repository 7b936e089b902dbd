using PerfCluster.Core.Scenarios;

namespace PerfCluster.Core.Profiles;

/// <summary>
/// Picks the next endpoint for a virtual user. Weighted uses cumulative weights and a binary search;
/// round-robin walks a cursor that each user starts at its own offset, so a population spreads evenly
/// at once. Immutable and shared by every user of a share: the only per-user state is the cursor (an
/// int the user keeps), so a million users do not hold a million copies of the weights.
/// </summary>
public sealed class RequestMix
{
    private readonly SelectionMode _mode;
    private readonly double[] _cumulative;

    public RequestMix(IReadOnlyList<EndpointDefinition> endpoints, SelectionMode mode)
    {
        if (endpoints.Count == 0) throw new ArgumentException("a request mix needs at least one endpoint", nameof(endpoints));
        _mode = mode;
        _cumulative = new double[endpoints.Count];
        var sum = 0.0;
        for (var i = 0; i < endpoints.Count; i++)
        {
            sum += mode == SelectionMode.Weighted ? Math.Max(0, endpoints[i].Weight) : 1.0;
            _cumulative[i] = sum;
        }
        if (sum <= 0) throw new ArgumentException("endpoint weights must sum to a positive number", nameof(endpoints));
    }

    public int Count => _cumulative.Length;

    /// <summary>Where user <paramref name="userIndex"/>'s round-robin cursor starts.</summary>
    public int StartCursor(int userIndex) => (int)((uint)userIndex % (uint)_cumulative.Length);

    /// <summary>The next endpoint index; <paramref name="cursor"/> is the caller's round-robin position.</summary>
    public int Next(Random random, ref int cursor)
    {
        switch (_mode)
        {
            case SelectionMode.RoundRobin:
                var i = cursor;
                cursor = (cursor + 1) % _cumulative.Length;
                return i;
            case SelectionMode.Uniform:
                return random.Next(_cumulative.Length);
            default:
                var x = random.NextDouble() * _cumulative[^1];
                var idx = Array.BinarySearch(_cumulative, x);
                idx = idx < 0 ? ~idx : idx + 1;   // exact hit on a boundary belongs to the next bucket
                return Math.Min(idx, _cumulative.Length - 1);
        }
    }
}
