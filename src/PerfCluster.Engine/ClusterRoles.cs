namespace PerfCluster.Engine;

public static class ClusterRoles
{
    public const string Coordinator = "coordinator";
    public const string Worker = "worker";
}

public static class ActorNames
{
    public const string RunManager = "run-manager";
    public const string WorkerAgent = "worker-agent";
}
