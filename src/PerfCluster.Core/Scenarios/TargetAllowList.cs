using System.Net;

namespace PerfCluster.Core.Scenarios;

/// <summary>
/// The hosts a coordinator lets its cluster send load to: loopback always, plus the host names, addresses
/// and networks (CIDR) its own configuration names (<c>perfcluster.api.allowed-targets</c>). Runs submitted
/// through the API are checked before they start, so a leaked token cannot point the cluster at anyone else.
/// Host names are compared as written, never resolved: a name that resolves to an allowed address is not
/// thereby allowed.
/// </summary>
public sealed class TargetAllowList
{
    private readonly HashSet<string> _hosts = new(StringComparer.OrdinalIgnoreCase) { "localhost" };
    private readonly List<IPNetwork> _networks = [new(IPAddress.Parse("127.0.0.0"), 8), new(IPAddress.IPv6Loopback, 128)];

    public TargetAllowList(IEnumerable<string> allowed)
    {
        foreach (var raw in allowed)
        {
            var entry = raw.Trim();
            if (entry.Length == 0) continue;
            if (entry.Contains('/'))
            {
                if (!IPNetwork.TryParse(entry, out var network))
                    throw new FormatException($"perfcluster.api.allowed-targets: '{entry}' is not a network such as 10.0.0.0/8");
                _networks.Add(network);
            }
            else if (IPAddress.TryParse(entry.Trim('[', ']'), out var address))
                _networks.Add(new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            else if (Uri.CheckHostName(entry) == UriHostNameType.Dns)
                _hosts.Add(entry.TrimEnd('.'));
            else
                throw new FormatException($"perfcluster.api.allowed-targets: '{entry}' is not a host name, an address or a network");
        }
    }

    public static TargetAllowList LoopbackOnly { get; } = new([]);

    public bool Allows(string host)
    {
        var h = host.Trim('[', ']').TrimEnd('.');
        if (IPAddress.TryParse(h, out var address)) return _networks.Any(n => n.Contains(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address));
        return _hosts.Contains(h);
    }

    /// <summary>Why the plan may not run here (its first target or required service outside the list), or null.</summary>
    public string? Refusal(TestPlan plan)
    {
        foreach (var s in plan.Scenarios)
        {
            if (!Allows(s.Target.Host))
                return $"scenario '{s.Name}' targets {s.Target.Host}, which this coordinator does not send load to; " +
                       "allowed are loopback and the hosts in perfcluster.api.allowed-targets";
            if (s.Monitor?.Prometheus is { } scrape && !Allows(scrape.Host))
                return $"scenario '{s.Name}' scrapes {scrape.Host}, which is not an allowed target of this coordinator";
        }
        return null;
    }
}
