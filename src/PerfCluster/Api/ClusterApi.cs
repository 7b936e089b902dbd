using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster;

namespace PerfCluster.Api;

/// <summary>Cluster membership as the API shows it, and the management actions (leave, down).</summary>
public static class ClusterApi
{
    public static IReadOnlyList<ClusterMember> Members(ActorSystem system, RunRegistry runs, string? role)
    {
        var cluster = Cluster.Get(system);
        var state = cluster.State;
        var unreachable = state.Unreachable.Select(m => m.Address).ToHashSet();
        return state.Members
            .Concat(state.Unreachable.Where(u => !state.Members.Any(m => m.Address.Equals(u.Address))))
            .Where(m => role is null || m.HasRole(role))
            .OrderBy(m => m.Address.ToString(), StringComparer.Ordinal)
            .Select(m => new ClusterMember(
                m.Address.ToString(),
                m.Roles.OrderBy(r => r, StringComparer.Ordinal).ToList(),
                Status(m.Status),
                !unreachable.Contains(m.Address),
                m.Address.Equals(state.Leader),
                m.Address.Equals(cluster.SelfAddress),
                runs.SharesOf(m.Address.ToString())))
            .ToList();
    }

    public static string Status(MemberStatus status) => status switch
    {
        MemberStatus.WeaklyUp => "weakly-up",
        _ => status.ToString().ToLowerInvariant(),
    };

    /// <summary>The member at <paramref name="address"/>; <see cref="ApiInputException"/> when the text is no address.</summary>
    public static Member? Find(ActorSystem system, string? address)
    {
        if (string.IsNullOrWhiteSpace(address))
            throw new ApiInputException("'address' is required, e.g. \"akka.tcp://perfcluster@10.0.0.5:4053\"");
        if (!Address.TryParse(address.Trim(), out var parsed) || parsed.Host is null || parsed.Port is null)
            throw new ApiInputException($"'address' must be a cluster address such as \"akka.tcp://perfcluster@10.0.0.5:4053\" but is '{address}'");
        var state = Cluster.Get(system).State;
        return state.Members.Concat(state.Unreachable).FirstOrDefault(m => m.Address.Equals(parsed));
    }

    public static ClusterMemberEvent? Describe(object message)
    {
        static ClusterMemberEvent E(string name, Member m) => new(
            name, m.Address.ToString(), m.Roles.OrderBy(r => r, StringComparer.Ordinal).ToList(), Status(m.Status), DateTimeOffset.UtcNow);
        return message switch
        {
            ClusterEvent.MemberJoined e => E("joined", e.Member),
            ClusterEvent.MemberUp e => E("up", e.Member),
            ClusterEvent.MemberWeaklyUp e => E("weakly-up", e.Member),
            ClusterEvent.MemberLeft e => E("left", e.Member),
            ClusterEvent.MemberExited e => E("exited", e.Member),
            ClusterEvent.MemberDowned e => E("downed", e.Member),
            ClusterEvent.MemberRemoved e => E("removed", e.Member),
            ClusterEvent.UnreachableMember e => E("unreachable", e.Member),
            ClusterEvent.ReachableMember e => E("reachable", e.Member),
            _ => null,
        };
    }
}

/// <summary>
/// Forwards this node's view of member and reachability events into a channel, for one
/// <c>GET /api/cluster/events</c> stream. Subscribes with the current state replayed as events.
/// </summary>
public sealed class ClusterEventForwarder(ChannelWriter<ServerEvent> events) : UntypedActor
{
    public static Props Props(ChannelWriter<ServerEvent> events) => Akka.Actor.Props.Create(() => new ClusterEventForwarder(events));

    protected override void PreStart() =>
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));

    protected override void PostStop()
    {
        Cluster.Get(Context.System).Unsubscribe(Self);
        events.TryComplete();
    }

    protected override void OnReceive(object message)
    {
        if (ClusterApi.Describe(message) is { } e) events.TryWrite(new ServerEvent(e.Event, e));
    }
}
