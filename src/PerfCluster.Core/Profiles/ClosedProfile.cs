using PerfCluster.Core.Scenarios;

namespace PerfCluster.Core.Profiles;

/// <summary>
/// The global closed-model profile: user <c>i</c> of <c>N</c> runs while <c>i &lt; UsersAt(t)</c>; on a linear
/// ramp that means it starts at <c>rampUp · i / N</c> after the run's start instant and loops until <c>duration</c>. Every node derives its users' start times from
/// this one formula, so a split ramp is the same ramp as an unsplit one.
/// </summary>
public sealed record ClosedProfile(int Users, TimeSpan RampUp, TimeSpan Duration)
{
    /// <summary>Stages of {duration, target users}; when present they replace the linear ramp.</summary>
    public IReadOnlyList<Stage> Stages { get; init; } = [];

    public static ClosedProfile From(ClosedLoad load, TimeSpan warmUp = default) =>
        new(load.Users, load.RampUp, load.Duration + warmUp) { Stages = load.Stages };

    /// <summary>
    /// How many users the plan has running at <paramref name="elapsed"/> (across all nodes): the users
    /// with global index below this number run, the others wait or stop.
    /// </summary>
    public int UsersAt(TimeSpan elapsed)
    {
        if (elapsed < TimeSpan.Zero || elapsed >= Duration) return 0;
        if (Stages.Count > 0) return (int)Math.Floor(StageProfile.ValueAt(Stages, 0, elapsed) + 1e-9);
        if (RampUp <= TimeSpan.Zero || elapsed >= RampUp) return Users;
        // users whose start offset is <= elapsed: i <= elapsed·N/rampUp
        return (int)Math.Min(Users, elapsed.Ticks * Users / RampUp.Ticks + 1);
    }
}
