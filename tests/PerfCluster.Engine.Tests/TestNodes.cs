using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using PerfCluster.Engine.Hosting;

namespace PerfCluster.Engine.Tests;

/// <summary>Actor-system configuration shared by the engine specs: production defaults on loopback.</summary>
public static class TestNodes
{
    /// <summary>A cluster node on 127.0.0.1, any free port, with the production reference.conf behind it.</summary>
    public static Config Cluster(params string[] roles) => ConfigurationFactory.ParseString($$"""
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
        akka.cluster.roles = [{{string.Join(", ", roles)}}]
        """).WithFallback(EngineReference.Config);

    /// <summary>
    /// A cluster node like <see cref="Cluster"/> with fast gossip, failure detection and downing, so that crashes and
    /// re-splits happen within seconds in in-process multi-node specs.
    /// </summary>
    public static Config FastCluster(string role) => ConfigurationFactory.ParseString($$"""
        akka.remote.retry-gate-closed-for = 500ms
        akka.cluster {
          gossip-interval = 200ms
          leader-actions-interval = 200ms
          failure-detector { heartbeat-interval = 200ms, acceptable-heartbeat-pause = 1s }
          split-brain-resolver.stable-after = 2s
        }
        """).WithFallback(Cluster(role));

    /// <summary>A local (non-clustered) system with the production reference.conf behind it.</summary>
    public static Config Local { get; } = ConfigurationFactory.ParseString("akka.actor.provider = local")
        .WithFallback(EngineReference.Config);

    /// <summary>Joins the system to itself and waits until it is Up: a one-node cluster.</summary>
    public static void JoinSelf(ActorSystem system)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        cluster.Join(cluster.SelfAddress);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (cluster.SelfMember.Status != MemberStatus.Up)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the node did not come Up within 10 s");
            Thread.Sleep(20);
        }
    }
}
