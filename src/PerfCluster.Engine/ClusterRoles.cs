namespace PerfCluster.Engine;

public static class ClusterRoles
{
    public const string Coordinator = "coordinator";
    public const string Worker = "worker";
    /// <summary>A worker declares its capacity (its weight in splits) as the role "capacity-N".</summary>
    public const string CapacityPrefix = "capacity-";
}

public static class ActorNames
{
    public const string RunManager = "run-manager";
    public const string WorkerAgent = "worker-agent";
    /// <summary>Dedicated threads for the actors that run a run (see reference.conf).</summary>
    public const string ControlDispatcher = "perfcluster.control-dispatcher";
}
