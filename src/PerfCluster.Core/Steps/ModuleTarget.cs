using PerfCluster.Core.Input;

namespace PerfCluster.Core.Steps;

/// <summary>
/// One module's targets (<c>module-targets</c>, the guide's JSON): cluster-wide operations per second over the measured
/// period, p95 latency, and scalability efficiency E = X(2N) / (2·X(N)) from the two phases of <c>scalability</c>.
/// </summary>
public sealed record ModuleTarget(string Module)
{
    public double? MinOpsPerSecond { get; init; }

    /// <summary>The most p95 latency of an operation, in milliseconds.</summary>
    public double? MaxLatencyMs { get; init; }

    public double? ScalabilityThreshold { get; init; }

    public SourcePosition? Position { get; init; }

    public bool Equals(ModuleTarget? other) => other is not null && Module == other.Module && MinOpsPerSecond == other.MinOpsPerSecond &&
        MaxLatencyMs == other.MaxLatencyMs && ScalabilityThreshold == other.ScalabilityThreshold;

    public override int GetHashCode() => HashCode.Combine(Module, MinOpsPerSecond, MaxLatencyMs, ScalabilityThreshold);
}
