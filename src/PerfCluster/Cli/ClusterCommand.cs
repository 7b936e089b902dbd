using System.CommandLine;
using System.Runtime.InteropServices;
using PerfCluster.Api;
using PerfCluster.Api.Client;

namespace PerfCluster.Cli;

/// <summary>
/// <c>perfcluster cluster show|leave|down|down-unreachable|tail</c>: cluster management through the
/// coordinator's API (what Petabridge.Cmd's cluster commands do for other Akka.NET applications).
/// </summary>
public static class ClusterCommand
{
    public static Command Create() => new("cluster", "Show and manage the members of the cluster a coordinator formed.")
    {
        Show(), Leave(), Down(), DownUnreachable(), Tail(),
    };

    private static Command Show()
    {
        var role = new Option<string?>("--role", "-r") { Description = "Only members with this role (coordinator, worker, ...)." };
        var (coordinator, token) = (RemoteCoordinator.CoordinatorOption(), RemoteCoordinator.TokenOption());
        var command = new Command("show", "List the members: address, roles, status, reachability and the share of load each worker holds.")
        {
            role, coordinator, token,
        };
        command.SetAction(async (parse, _) =>
        {
            using var client = RemoteCoordinator.Connect(parse, coordinator, token);
            var filter = parse.GetValue(role);
            var path = "api/cluster/members" + (string.IsNullOrWhiteSpace(filter) ? "" : $"?role={Uri.EscapeDataString(filter)}");
            var members = await RemoteCoordinator.CallAsync(client, c => c.GetAsync<List<ClusterMember>>(path));
            if (members.Count == 0)
            {
                Console.Out.WriteLine(filter is null ? "No members." : $"No member with role '{filter}'.");
                return ExitCodes.Passed;
            }
            TextTable.Write(["address", "roles", "status", "reachable", "share"], members.Select(Row).ToList());
            return ExitCodes.Passed;
        });
        return command;
    }

    private static IReadOnlyList<string> Row(ClusterMember m) =>
    [
        m.Address + (m.Leader ? " (leader)" : ""),
        string.Join(",", m.Roles),
        m.Status,
        m.Reachable ? "yes" : "NO",
        m.Shares.Count == 0 ? "-" : string.Join("; ", m.Shares.Select(s => $"{s.Users} users [{s.From}..{s.To}) in {s.RunId}")),
    ];

    private static Command Leave() => AddressAction("leave", "Ask a member to leave the cluster gracefully (a worker hands its share back first).",
        "api/cluster/leave", a => $"Asked {a} to leave the cluster.");

    private static Command Down() => AddressAction("down", "Mark a member as down: it is removed at once, without a graceful hand-over.",
        "api/cluster/down", a => $"Marked {a} as down.");

    private static Command AddressAction(string name, string description, string path, Func<string, string> done)
    {
        var address = new Argument<string>("address") { Description = "Member address, e.g. akka.tcp://perfcluster@10.0.0.5:4053." };
        var (coordinator, token) = (RemoteCoordinator.CoordinatorOption(), RemoteCoordinator.TokenOption());
        var command = new Command(name, description) { address, coordinator, token };
        command.SetAction(async (parse, _) =>
        {
            using var client = RemoteCoordinator.Connect(parse, coordinator, token);
            var result = await RemoteCoordinator.CallAsync(client,
                c => c.SendAsync<ClusterActionResult>(HttpMethod.Post, path, new AddressRequest(parse.GetValue(address))));
            foreach (var a in result.Addresses) Console.Out.WriteLine(done(a));
            return ExitCodes.Passed;
        });
        return command;
    }

    private static Command DownUnreachable()
    {
        var (coordinator, token) = (RemoteCoordinator.CoordinatorOption(), RemoteCoordinator.TokenOption());
        var command = new Command("down-unreachable", "Mark every unreachable member as down.") { coordinator, token };
        command.SetAction(async (parse, _) =>
        {
            using var client = RemoteCoordinator.Connect(parse, coordinator, token);
            var result = await RemoteCoordinator.CallAsync(client,
                c => c.SendAsync<ClusterActionResult>(HttpMethod.Post, "api/cluster/down-unreachable", new { }));
            Console.Out.WriteLine(result.Addresses.Count == 0
                ? "No unreachable members."
                : $"Marked {result.Addresses.Count} unreachable member(s) as down: {string.Join(", ", result.Addresses)}");
            return ExitCodes.Passed;
        });
        return command;
    }

    private static Command Tail()
    {
        var (coordinator, token) = (RemoteCoordinator.CoordinatorOption(), RemoteCoordinator.TokenOption());
        var command = new Command("tail", "Print member events (joined, up, unreachable, reachable, left, removed, ...) as they happen, until Ctrl+C.")
        {
            coordinator, token,
        };
        command.SetAction(async (parse, _) =>
        {
            using var client = RemoteCoordinator.Connect(parse, coordinator, token);
            using var stop = new CancellationTokenSource();
            void OnSignal(PosixSignalContext context)
            {
                context.Cancel = true;
                stop.Cancel();
            }
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
            try
            {
                await RemoteCoordinator.CallAsync(client, async c =>
                {
                    Console.Out.WriteLine($"Following member events of {client.Coordinator.ToString().TrimEnd('/')} (Ctrl+C stops)...");
                    await foreach (var item in c.StreamAsync("api/cluster/events", stop.Token))
                    {
                        var e = ApiJson.Deserialize<ClusterMemberEvent>(item.Data);
                        Console.Out.WriteLine($"{e.At.UtcDateTime:HH:mm:ss.fff}  {e.Event,-11}  {e.Address}  [{string.Join(",", e.Roles)}]  {e.Status}");
                    }
                    return 0;
                });
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return ExitCodes.Passed;
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                Console.Error.WriteLine($"error: lost the connection to the coordinator: {e.Message}");
                return ExitCodes.Failed;
            }
            if (stop.IsCancellationRequested) return ExitCodes.Passed;
            Console.Error.WriteLine("The coordinator ended the event stream (it is shutting down).");
            return ExitCodes.Failed;
        });
        return command;
    }
}
