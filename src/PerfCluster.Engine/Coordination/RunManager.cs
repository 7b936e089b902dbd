using Akka.Actor;
using Akka.Hosting;
using static PerfCluster.Engine.Coordination.RunProtocol;

namespace PerfCluster.Engine.Coordination;

/// <summary>The coordinator node's entry point: one <see cref="RunCoordinator"/> child per run.</summary>
public sealed class RunManager(CoordinatorSettings settings) : UntypedActor
{
    public static Props Props(CoordinatorSettings settings) => Akka.Actor.Props.Create(() => new RunManager(settings));

    private static string ChildName(string runId) => $"run-{Uri.EscapeDataString(runId)}";

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case StartRun start:
                if (!Context.Child(ChildName(start.RunId)).IsNobody())
                {
                    start.Listener.Tell(new RunFailed(start.RunId, $"a run with id {start.RunId} is already going"));
                    return;
                }
                Context.ActorOf(RunCoordinator.Props(start, settings), ChildName(start.RunId));
                break;
            case StopRun stop:
                Context.Child(ChildName(stop.RunId)).Forward(stop);
                break;
            default:
                Unhandled(message);
                break;
        }
    }
}

public static class RunManagerHosting
{
    public static AkkaConfigurationBuilder AddRunManager(this AkkaConfigurationBuilder builder, CoordinatorSettings settings) =>
        builder.WithActors((system, registry) =>
        {
            var manager = system.ActorOf(RunManager.Props(settings), ActorNames.RunManager);
            registry.Register<RunManager>(manager);
        });
}
