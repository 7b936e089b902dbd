using System.Threading.Channels;
using Akka.Actor;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Scenarios;
using static PerfCluster.Engine.Protocol.RunProtocol;
using PerfCluster.Core.Results;

namespace PerfCluster.Engine.Coordination;

/// <summary>The outcome of one scenario run as seen by whoever started it.</summary>
public sealed record ScenarioOutcome(ScenarioDefinition Scenario, ScenarioStatistics Statistics, bool Interrupted, string? Reason)
{
    /// <summary>What the run itself wants said in the report (lost workers, degraded spans, ...).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}

public sealed class RunFailedException(string message) : Exception(message);

/// <summary>
/// Starts a scenario on the run manager and follows it to the end from outside the actor system:
/// progress events go to <paramref name="onEvent"/>, an interrupt turns into <see cref="StopRun"/>
/// (the run still completes, with the partial results).
/// </summary>
public static class RunClient
{
    public static async Task<ScenarioOutcome> RunAsync(
        ActorSystem system, IActorRef runManager, string runId, ScenarioDefinition scenario,
        Action<object> onEvent, CancellationToken interrupt, int? minWorkers = null)
    {
        var channel = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
        var listener = system.ActorOf(RunListener.Props(channel.Writer), $"listener-{Uri.EscapeDataString(runId)}");
        try
        {
            runManager.Tell(new StartRun(runId, scenario, listener, minWorkers));
            await using var stop = interrupt.Register(() => runManager.Tell(new StopRun(runId, "interrupted")));
            await foreach (var message in channel.Reader.ReadAllAsync(CancellationToken.None))
            {
                onEvent(message);
                switch (message)
                {
                    case RunCompleted done:
                        return new ScenarioOutcome(scenario, done.Statistics, done.Interrupted, done.Reason) { Notes = done.Notes };
                    case RunFailed failed:
                        throw new RunFailedException(failed.Error);
                }
            }
            throw new RunFailedException("the run ended without a result");
        }
        finally
        {
            system.Stop(listener);
        }
    }
}
