using PerfCluster.Core.Scenarios;

namespace PerfCluster.Core.Reports;

/// <summary>What a scenario's latency figures mean for its workload model, as written in report.json and summary.txt.</summary>
public static class LatencyNotes
{
    public const string OpenModel =
        "latency is measured from each iteration's intended start (coordinated omission corrected); " +
        "service_time is measured from the actual send";

    public const string ClosedModelWithThinkTime =
        "latencies are per-user service times: in the closed model a slow response delays that user's next request, " +
        "so the target is never asked for more than it answers (coordinated omission)";

    /// <summary>The note for this scenario; null for a closed model without think time.</summary>
    public static string? For(ScenarioDefinition scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        if (scenario.IsOpen) return OpenModel;
        var think = scenario.Load.Think;
        return think.Mean > TimeSpan.Zero || think.Jitter > TimeSpan.Zero ? ClosedModelWithThinkTime : null;
    }
}
