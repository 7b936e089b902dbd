using PerfCluster.Core.Scenarios;

namespace PerfCluster.Core.Profiles;

/// <summary>
/// The global open-model profile: the arrival rate over time and the schedule of iteration starts.
/// Arrival k (0-based) of the whole run is due when the cumulative rate reaches k, so a constant
/// 100/s schedules one iteration every 10 ms from the start instant on; a worker running fraction f of the load counts its own
/// arrivals on f times that curve, so the workers' rates add up to the global rate at every moment.
/// </summary>
public sealed class OpenProfile
{
    private readonly IReadOnlyList<Stage> _stages;
    private readonly double _start;

    public OpenProfile(OpenLoad load, TimeSpan duration)
    {
        Duration = duration;
        if (load.Stages.Count > 0)
        {
            _stages = load.Stages;
            _start = load.StartRate;
        }
        else
        {
            _stages = [];
            _start = load.Rate;
        }
    }

    public TimeSpan Duration { get; }

    /// <summary>Iterations per second the whole run should start at <paramref name="at"/>.</summary>
    public double RateAt(TimeSpan at) =>
        at < TimeSpan.Zero || at >= Duration ? 0 : StageProfile.ValueAt(_stages, _start, at);

    /// <summary>Iterations the whole run should have started by <paramref name="at"/>.</summary>
    public double ExpectedBy(TimeSpan at) =>
        StageProfile.AreaUntil(_stages, _start, at < Duration ? (at < TimeSpan.Zero ? TimeSpan.Zero : at) : Duration);

    /// <summary>
    /// When a worker's next arrival is due. The worker has started <paramref name="started"/> iterations;
    /// since <paramref name="since"/> (its last re-split) it runs <paramref name="fraction"/> of the
    /// load, and by then its own curve stood at <paramref name="curveAtSince"/>. Null: no further
    /// arrival within the run.
    /// </summary>
    public TimeSpan? NextArrival(long started, double fraction, TimeSpan since, double curveAtSince)
    {
        if (fraction <= 0) return null;
        var target = ExpectedBy(since) + (started - curveAtSince) / fraction;
        if (target >= ExpectedBy(Duration) - 1e-9) return null;
        var at = StageProfile.TimeOfArea(_stages, _start, target);
        return at is { } t && t < Duration ? (t < since ? since : t) : null;
    }

    /// <summary>A worker's own cumulative curve at <paramref name="at"/>, to carry across a re-split.</summary>
    public double CurveAt(TimeSpan at, double fraction, TimeSpan since, double curveAtSince) =>
        curveAtSince + fraction * (ExpectedBy(at) - ExpectedBy(since));
}
