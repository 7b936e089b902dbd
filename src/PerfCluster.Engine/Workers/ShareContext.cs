using System.Diagnostics;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Drivers;

namespace PerfCluster.Engine.Workers;

/// <summary>
/// What every virtual user of one share reads: the scenario, the driver, and the share's deadline.
/// The deadline is a Stopwatch timestamp that the executor may pull forward (interrupt); users check
/// it before every iteration, so no user starts a request after the run's end.
/// </summary>
public sealed class ShareContext(ScenarioDefinition scenario, IRequestDriver driver, long deadlineTimestamp, CancellationToken abandon)
{
    private long _deadline = deadlineTimestamp;

    public ScenarioDefinition Scenario { get; } = scenario;
    public IRequestDriver Driver { get; } = driver;
    /// <summary>Cancelled when the graceful-stop period is over: in-flight requests are abandoned.</summary>
    public CancellationToken Abandon { get; } = abandon;

    public bool IsOver => Stopwatch.GetTimestamp() >= Volatile.Read(ref _deadline);

    public void EndNow() => Volatile.Write(ref _deadline, Stopwatch.GetTimestamp());
}
