using System.Net;

namespace PerfCluster.Core.Scenarios;

/// <summary>
/// The hosts a node sends load to. A coordinator's (<c>perfcluster.api.allowed-targets</c>): loopback always, plus
/// the host names, addresses and networks (CIDR) its configuration names; runs submitted through the API are
/// checked before they start, so a leaked token cannot point the cluster at anyone else. A worker's
/// (<c>perfcluster.worker.allowed-targets</c>): checked on every share it is given.
/// Host names are compared as written, never resolved: a name that resolves to an allowed address is not
/// thereby allowed.
/// </summary>
public sealed class TargetAllowList
{
    public const string ApiSetting = "perfcluster.api.allowed-targets";
    public const string WorkerSetting = "perfcluster.worker.allowed-targets";

    private readonly HashSet<string> _hosts = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<IPNetwork> _networks = [];
    private readonly bool _any;
    private readonly string _who;
    private readonly string _allowed;

    /// <summary>A coordinator's list (<see cref="ApiSetting"/>): loopback and the entries.</summary>
    public TargetAllowList(IEnumerable<string> allowed)
        : this(allowed, ApiSetting, loopback: true, "this coordinator", $"loopback and the hosts in {ApiSetting}")
    {
    }

    private TargetAllowList(IEnumerable<string> allowed, string setting, bool loopback, string who, string described)
    {
        _who = who;
        _allowed = described;
        if (loopback)
        {
            _hosts.Add("localhost");
            _networks.AddRange([new(IPAddress.Parse("127.0.0.0"), 8), new(IPAddress.IPv6Loopback, 128)]);
        }
        foreach (var raw in allowed)
        {
            var entry = raw.Trim();
            if (entry.Length == 0) continue;
            if (entry == "*")
                _any = true;
            else if (entry.Contains('/'))
            {
                if (!IPNetwork.TryParse(entry, out var network))
                    throw new FormatException($"{setting}: '{entry}' is not a network such as 10.0.0.0/8");
                _networks.Add(network);
            }
            else if (IPAddress.TryParse(entry.Trim('[', ']'), out var address))
                _networks.Add(new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            else if (Uri.CheckHostName(entry) == UriHostNameType.Dns)
                _hosts.Add(entry.TrimEnd('.'));
            else
                throw new FormatException($"{setting}: '{entry}' is not a host name, an address, a network or *");
        }
    }

    public static TargetAllowList LoopbackOnly { get; } = new([]);

    /// <summary>
    /// A worker's own list (<see cref="WorkerSetting"/>): exactly its entries ("*" for any target); empty, loopback
    /// only. It holds whoever sends the share, so a node that got into the cluster still cannot aim this worker elsewhere.
    /// </summary>
    public static TargetAllowList ForWorker(IReadOnlyCollection<string> allowed) =>
        allowed.All(string.IsNullOrWhiteSpace)
            ? new TargetAllowList([], WorkerSetting, loopback: true, "this worker", $"loopback only, as {WorkerSetting} is empty")
            : new TargetAllowList(allowed, WorkerSetting, loopback: false, "this worker", $"the hosts in {WorkerSetting} and the worker's --allow-target");

    public bool AllowsAny => _any;

    /// <summary>Nothing but loopback is allowed (a worker whose list is empty).</summary>
    public bool OnlyLoopback => !_any && _hosts.Count <= 1 && _networks.Count <= 2 && _networks.All(n => IPAddress.IsLoopback(n.BaseAddress));

    public bool Allows(string host)
    {
        if (_any) return true;
        var h = host.Trim('[', ']').TrimEnd('.');
        if (IPAddress.TryParse(h, out var address)) return _networks.Any(n => n.Contains(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address));
        return _hosts.Contains(h);
    }

    /// <summary>The hosts a plan sends requests to: its targets and Prometheus scrapes.</summary>
    public static IReadOnlyList<string> HostsOf(TestPlan plan) =>
        plan.Scenarios.SelectMany(s => (s.Monitor?.Prometheus is { } scrape ? [s.Target.Host, scrape.Host] : new[] { s.Target.Host })
                .Concat(s.Journey?.Databases.SelectMany(d => d.Hosts) ?? []))
            .Distinct(StringComparer.OrdinalIgnoreCase).ToList();

    /// <summary>Why the plan may not run here (its first target or required service outside the list), or null.</summary>
    public string? Refusal(TestPlan plan) => plan.Scenarios.Select(Refusal).FirstOrDefault(r => r is not null);

    /// <summary>Why the scenario may not run here (its target or its Prometheus scrape outside the list), or null.</summary>
    public string? Refusal(ScenarioDefinition s)
    {
        if (!Allows(s.Target.Host))
            return $"scenario '{s.Name}' targets {s.Target.Host}, which {_who} does not send load to; allowed are {_allowed}";
        if (s.Monitor?.Prometheus is { } scrape && !Allows(scrape.Host))
            return $"scenario '{s.Name}' scrapes {scrape.Host}, which is not an allowed target of {_who}";
        foreach (var db in s.Journey?.Databases ?? [])
            if (db.Hosts.FirstOrDefault(h => !Allows(h)) is { } host)
                return $"scenario '{s.Name}' sends load to database '{db.Name}' on {host}, which {_who} does not send load to; allowed are {_allowed}";
        return null;
    }
}
