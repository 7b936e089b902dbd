using System.Threading.Channels;
using Akka.Actor;

namespace PerfCluster.Engine.Coordination;

/// <summary>Bridges a run's events (progress, completion, failure) from actors into a channel for the CLI or API.</summary>
public sealed class RunListener(ChannelWriter<object> events) : UntypedActor
{
    public static Props Props(ChannelWriter<object> events) => Akka.Actor.Props.Create(() => new RunListener(events));

    protected override void OnReceive(object message) => events.TryWrite(message);
}
