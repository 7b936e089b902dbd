using PerfCluster.Core.Scenarios;

namespace PerfCluster.Core.Profiles;

/// <summary>
/// Picks the next endpoint for one virtual user. Weighted uses cumulative weights and a binary search;
/// round-robin starts each user at a different offset so a population spreads evenly at once.
/// One instance per user: not thread-safe by design.
/// </summary>
public sealed class RequestMix
{
    private readonly SelectionMode _mode;
    private readonly double[] _cumulative;
    private readonly Random _random;
    private int _next;

    public RequestMix(IReadOnlyList<EndpointDefinition> endpoints, SelectionMode mode, Random random, int startOffset = 0)
    {
        if (endpoints.Count == 0) throw new ArgumentException("a request mix needs at least one endpoint", nameof(endpoints));
        _mode = mode;
        _random = random;
        _next = Math.Abs(startOffset % endpoints.Count);
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

    public int Next()
    {
        switch (_mode)
        {
            case SelectionMode.RoundRobin:
                var i = _next;
                _next = (_next + 1) % _cumulative.Length;
                return i;
            case SelectionMode.Uniform:
                return _random.Next(_cumulative.Length);
            default:
                var x = _random.NextDouble() * _cumulative[^1];
                var idx = Array.BinarySearch(_cumulative, x);
                idx = idx < 0 ? ~idx : idx + 1;   // exact hit on a boundary belongs to the next bucket
                return Math.Min(idx, _cumulative.Length - 1);
        }
    }
}
