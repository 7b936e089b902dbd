using Akka.Actor;
using Akka.Cluster;

namespace PerfCluster.Engine.Coordination;

/// <summary>
/// The cluster's coordinator-role nodes as the run manager singleton sees them: it lives on the oldest one that is
/// Up, and moves to the next oldest when that one leaves or is removed.
/// </summary>
public static class CoordinatorNodes
{
    /// <summary>Coordinator-role members that are Up, oldest first.</summary>
    public static IReadOnlyList<Member> Up(Cluster cluster) =>
        cluster.State.Members
            .Where(m => m.HasRole(ClusterRoles.Coordinator) && m.Status == MemberStatus.Up)
            .OrderBy(m => m, Member.AgeOrdering)
            .ToList();

    /// <summary>
    /// Whether this node holds the run manager: it is the oldest coordinator that is Up (or none is Up yet, as on a
    /// coordinator still joining).
    /// </summary>
    public static bool HoldsRunManager(Cluster cluster) =>
        Up(cluster).FirstOrDefault() is not { } oldest || oldest.Address == cluster.SelfAddress;

    /// <summary>Another coordinator that is Up and reachable, the oldest first: where this node's runs go when it leaves.</summary>
    public static Address? Successor(Cluster cluster) =>
        Up(cluster).FirstOrDefault(m => m.Address != cluster.SelfAddress && !cluster.State.Unreachable.Contains(m))?.Address;
}
