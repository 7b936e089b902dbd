using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Hosting;
using static PerfCluster.Engine.Coordination.RunProtocol;

namespace PerfCluster.Engine.Workers;

/// <summary>
/// The worker node's entry point (<c>/user/worker-agent</c> on every node with the worker role):
/// turns each share assignment into a <see cref="RunExecutor"/> child and routes stops to it.
/// </summary>
public sealed class WorkerAgent : UntypedActor
{
    private readonly ExecutorSettings _settings;
    private readonly string _node;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public WorkerAgent(ExecutorSettings settings)
    {
        _settings = settings;
        _node = Cluster.Get(Context.System).SelfAddress.ToString();
    }

    public static Props Props(ExecutorSettings settings) => Akka.Actor.Props.Create(() => new WorkerAgent(settings));

    private static string ChildName(string runId) => $"run-{Uri.EscapeDataString(runId)}";

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case AssignShare assign:
                if (!Context.Child(ChildName(assign.RunId)).IsNobody())
                {
                    _log.Warning("Run {0} already has a share on this node; ignoring a second assignment", assign.RunId);
                    return;
                }
                Context.ActorOf(RunExecutor.Props(assign, _node, _settings), ChildName(assign.RunId));
                break;
            case StopShare stop:
                Context.Child(ChildName(stop.RunId)).Forward(stop);
                break;
            default:
                Unhandled(message);
                break;
        }
    }
}

public static class WorkerAgentHosting
{
    public static AkkaConfigurationBuilder AddWorkerAgent(this AkkaConfigurationBuilder builder, ExecutorSettings settings) =>
        builder.WithActors((system, registry) =>
        {
            var agent = system.ActorOf(WorkerAgent.Props(settings), ActorNames.WorkerAgent);
            registry.Register<WorkerAgent>(agent);
        });
}
