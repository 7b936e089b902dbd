using System.Diagnostics;
using Akka.Event;
using PerfCluster.Core.Profiles;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Drivers;
using PerfCluster.Engine.Steps;

namespace PerfCluster.Engine.Workers;

/// <summary>
/// What every virtual user of one share reads: the scenario, its request mix, the driver, and the
/// share's deadline. The deadline is a Stopwatch timestamp that the executor may pull forward
/// (interrupt); users check it before every iteration, so no user starts a request after the run's
/// end. Users count themselves in and out of <see cref="LiveUsers"/>, which is how the executor knows
/// how many are active and when the last one has finished.
/// </summary>
public sealed class ShareControl(ScenarioDefinition scenario, IRequestDriver? driver, long deadlineTimestamp, CancellationToken abandon,
    ILoggingAdapter? log = null, JourneyRunner? journey = null)
{
    private long _deadline = deadlineTimestamp;
    private int _live;

    public ScenarioDefinition Scenario { get; } = scenario;
    public RequestMix Mix { get; } = new(scenario.Endpoints, scenario.Distribution);
    /// <summary>A request mix's driver; null for a journey scenario, whose <see cref="Journey"/> runs the users' iterations.</summary>
    public IRequestDriver? Driver { get; } = driver;

    /// <summary>Journeys: runs each iteration's flow; null for a request mix.</summary>
    public JourneyRunner? Journey { get; } = journey;
    /// <summary>Cancelled when the graceful-stop period is over: in-flight requests are abandoned.</summary>
    public CancellationToken Abandon { get; } = abandon;

    public bool IsOver => Stopwatch.GetTimestamp() >= Volatile.Read(ref _deadline);

    /// <summary>Users whose loop has started and not yet ended (including ones finishing a request after a stop).</summary>
    public int LiveUsers => Volatile.Read(ref _live);

    public void EndNow() => Volatile.Write(ref _deadline, Stopwatch.GetTimestamp());

    internal void UserStarted() => Interlocked.Increment(ref _live);

    internal void UserEnded() => Interlocked.Decrement(ref _live);

    internal void ReportFailure(Exception e) => log?.Error(e, "A virtual user's loop failed");
}
