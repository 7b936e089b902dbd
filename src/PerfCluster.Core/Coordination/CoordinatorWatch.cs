namespace PerfCluster.Core.Coordination;

/// <summary>What a worker's share does about the coordinator it reports to.</summary>
public enum CoordinatorVerdict
{
    /// <summary>The coordinator is reachable, or a takeover may still come: keep the load going.</summary>
    Keep,
    /// <summary>No coordinator took the run over in time: stop the load.</summary>
    Stop,
}

/// <summary>
/// How long a worker keeps its share without the coordinator that assigned it. While another node with the
/// coordinator role is reachable, the run manager singleton is expected to move there and take the run over,
/// so the share keeps going for up to <see cref="TakeoverTimeout"/>; while no coordinator-role node is
/// reachable at all, it keeps going for only <see cref="LossGrace"/> (a single coordinator's loss stops the
/// load within seconds). Addresses are plain strings; times are whatever clock the caller uses.
/// </summary>
public sealed record CoordinatorWatch(TimeSpan LossGrace, TimeSpan TakeoverTimeout)
{
    /// <summary>Since when the coordinator of the run has been unreachable or gone; null while it is reachable.</summary>
    public DateTimeOffset? LostSince { get; init; }

    /// <summary>Since when no coordinator-role node at all has been reachable; null while one is.</summary>
    public DateTimeOffset? AloneSince { get; init; }

    public bool Lost => LostSince is not null;

    /// <summary>The run's coordinator became unreachable or left.</summary>
    public CoordinatorWatch CoordinatorLost(DateTimeOffset now) => LostSince is null ? this with { LostSince = now } : this;

    /// <summary>The run's coordinator is reachable again, or a new one took the run over.</summary>
    public CoordinatorWatch CoordinatorFound() => this with { LostSince = null, AloneSince = null };

    /// <summary>How many coordinator-role nodes are reachable now (the lost coordinator itself excluded or not: any reachable one counts).</summary>
    public CoordinatorWatch Reachable(int coordinatorNodes, DateTimeOffset now) =>
        coordinatorNodes > 0 ? this with { AloneSince = null } : AloneSince is null ? this with { AloneSince = now } : this;

    public CoordinatorVerdict Decide(DateTimeOffset now)
    {
        if (LostSince is not { } lost) return CoordinatorVerdict.Keep;
        if (AloneSince is { } alone && now - alone >= LossGrace) return CoordinatorVerdict.Stop;
        return now - lost >= TakeoverTimeout ? CoordinatorVerdict.Stop : CoordinatorVerdict.Keep;
    }

    /// <summary>Why <see cref="Decide"/> said stop, for the report.</summary>
    public string StopReason(DateTimeOffset now) =>
        AloneSince is { } alone && now - alone >= LossGrace
            ? $"no coordinator was reachable for {LossGrace.TotalSeconds:0.#} s (perfcluster.worker.coordinator-loss-grace)"
            : $"no coordinator took the run over within {TakeoverTimeout.TotalSeconds:0.#} s (perfcluster.worker.coordinator-takeover-timeout)";
}
