using PerfCluster.Core.Metrics;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Coordination;
using Spectre.Console;
using static PerfCluster.Engine.Protocol.RunProtocol;

namespace PerfCluster.Cli;

/// <summary>
/// Live progress of one scenario: a Spectre.Console live table on a terminal, one plain line per
/// second otherwise (CI logs, pipes).
/// </summary>
public abstract class ProgressView
{
    protected ProgressView(ScenarioDefinition scenario) => Scenario = scenario;

    protected ScenarioDefinition Scenario { get; }

    public static ProgressView Create(ScenarioDefinition scenario) =>
        AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected
            ? new LiveProgressView(scenario)
            : new PlainProgressView(scenario);

    public abstract void OnEvent(object message);
    public abstract void Complete(ScenarioOutcome outcome);
    public abstract void Fail(string error);

    protected string Header() =>
        $"{Scenario.Name}: {Scenario.Load.Users} users for {Format.Seconds(Scenario.Load.Duration)}" +
        (Scenario.Load.RampUp > TimeSpan.Zero ? $" (ramp-up {Format.Seconds(Scenario.Load.RampUp)})" : "") +
        $" against {(Scenario.SendsHttp ? Scenario.Target.ToString() : Against(Scenario.Journey!))}" +
        (Scenario.Load.Phases is { } phases ? $" ({phases.Users} users for {Format.Seconds(phases.Phase)}, then {2 * phases.Users})" : "");

    /// <summary>What a journey without HTTP steps loads: its databases and caches, and its modules.</summary>
    private static string Against(Core.Steps.Journey journey) => string.Join(", ",
        journey.Databases.Select(d => $"{d.ProviderKey} '{d.Name}'").Concat(journey.Modules.Select(m => $"module '{m.Name}'")));

    /// <summary>An alert as one line: "ALERT firing: name (condition) at 12 s: evidence".</summary>
    protected static string AlertLine(AlertRaised a) =>
        $"ALERT {a.State}: {a.Name} [{a.Severity}] ({a.Condition}) at {a.Second} s: {a.Evidence}";

    private (TimeSpan Elapsed, long Requests) _previous;

    /// <summary>
    /// Requests per second since the previous progress event. The closed one-second windows settle a couple of
    /// seconds late (they wait for every worker's share), so a column fed from them would show 0 at the start
    /// and lag behind the request count; the report's timeline keeps the exact per-second figures.
    /// </summary>
    protected double Rate(RunProgress p)
    {
        var seconds = (p.Elapsed - _previous.Elapsed).TotalSeconds;
        var rate = seconds > 0 ? Math.Max(0, p.Totals.Requests - _previous.Requests) / seconds : 0;
        _previous = (p.Elapsed, p.Totals.Requests);
        return rate;
    }

    protected string Line(RunProgress p)
    {
        var t = p.Totals;
        var rps = Rate(p);
        return $"[{Format.Seconds(p.Elapsed < p.Duration ? p.Elapsed : p.Duration),6}/{Format.Seconds(p.Duration)}] " +
               $"users {p.ActiveUsers,5} | rps {rps,8:0.0} | requests {t.Requests,9} | " +
               $"p50 {Format.Ms(t.Latency.P50)} p95 {Format.Ms(t.Latency.P95)} p99 {Format.Ms(t.Latency.P99)} | " +
               $"errors {t.Errors} ({t.ErrorRate:P2})" +
               Journey(p) +
               (p.DroppedIterations > 0 ? $" | dropped {p.DroppedIterations}: the generator is the bottleneck" : "");
    }

    /// <summary>Journeys: iterations so far (and failed ones), and the checks' pass rate.</summary>
    protected static string Journey(RunProgress p)
    {
        if (p.Flows.Count == 0) return "";
        var iterations = p.Flows.Sum(f => f.Completed + f.Failed);
        var failed = p.Flows.Sum(f => f.Failed);
        var passes = p.Checks.Sum(c => c.Passes);
        var total = passes + p.Checks.Sum(c => c.Failures);
        return $" | iterations {iterations} ({failed} failed)" + (total > 0 ? $" | checks {(double)passes / total:P2}" : "");
    }
}

internal static class Format
{
    public static string Seconds(TimeSpan t) => t.TotalSeconds >= 100 ? $"{t.TotalSeconds:0}s" : $"{t.TotalSeconds:0.0}s";
    public static string Ms(double seconds) => $"{seconds * 1000,7:0.00}ms";
}

internal sealed class PlainProgressView : ProgressView
{
    public PlainProgressView(ScenarioDefinition scenario) : base(scenario) => Console.Out.WriteLine(Header());

    public override void OnEvent(object message)
    {
        switch (message)
        {
            case RunStarted s:
                Console.Out.WriteLine($"started on {s.Workers} worker(s) at {s.StartAt:HH:mm:ss.fff}");
                break;
            case RunProgress p:
                Console.Out.WriteLine(Line(p));
                break;
            case AlertRaised a:
                Console.Out.WriteLine(AlertLine(a));
                break;
        }
    }

    public override void Complete(ScenarioOutcome outcome) =>
        Console.Out.WriteLine($"{Scenario.Name}: {(outcome.Interrupted ? "interrupted" : "finished")} — {outcome.Statistics.Overall.Requests} requests");

    public override void Fail(string error) => Console.Out.WriteLine($"{Scenario.Name}: failed — {error}");
}

internal sealed class LiveProgressView : ProgressView
{
    private readonly object _gate = new();
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _live;
    private RunProgress? _latest;
    private double _rate;
    private readonly Dictionary<string, AlertRaised> _alerts = new();
    private string _status = "waiting for workers";

    public LiveProgressView(ScenarioDefinition scenario) : base(scenario)
    {
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(Header())}[/]");
        _live = AnsiConsole.Live(Render()).AutoClear(false).StartAsync(async ctx =>
        {
            while (!_done.Task.IsCompleted)
            {
                await Task.WhenAny(_done.Task, Task.Delay(250));
                ctx.UpdateTarget(Render());
            }
        });
    }

    public override void OnEvent(object message)
    {
        lock (_gate)
        {
            switch (message)
            {
                case RunStarted s:
                    _status = $"running on {s.Workers} worker(s)";
                    break;
                case RunProgress p:
                    _latest = p;
                    _rate = Rate(p);
                    break;
                case AlertRaised a:
                    if (a.State == "firing") _alerts[a.Name] = a;
                    else _alerts.Remove(a.Name);
                    break;
            }
        }
    }

    public override void Complete(ScenarioOutcome outcome) => Finish(outcome.Interrupted ? "interrupted" : "finished");

    public override void Fail(string error) => Finish($"failed: {error}");

    private void Finish(string status)
    {
        lock (_gate) _status = status;
        _done.TrySetResult();
        _live.GetAwaiter().GetResult();
    }

    private Table Render()
    {
        RunProgress? p;
        string status;
        double rps;
        lock (_gate)
        {
            p = _latest;
            status = _status;
            rps = _rate;
        }
        List<AlertRaised> firing;
        lock (_gate) firing = _alerts.Values.ToList();
        var table = new Table().Border(TableBorder.Rounded).Title($"[grey]{Markup.Escape(status)}[/]");
        var captions = new List<string>();
        if (p is { DroppedIterations: > 0 })
            captions.Add($"[yellow]{p.DroppedIterations} iterations dropped for want of a free user: the generator, not the target, is the bottleneck (raise max-users or add workers)[/]");
        foreach (var a in firing)
            captions.Add($"[{(a.Severity == "critical" ? "red" : "yellow")}]ALERT {Markup.Escape(a.Name)} ({Markup.Escape(a.Condition)}) since {a.Second} s: {Markup.Escape(a.Evidence)}[/]");
        if (p is { Flows.Count: > 0 }) captions.Add($"[grey]{Markup.Escape(Journey(p).TrimStart(' ', '|').Replace(" | ", ", "))}[/]");
        if (captions.Count > 0) table.Caption(string.Join("\n", captions));
        table.AddColumns("elapsed", "remaining", "users", "rps", "requests", "p50", "p95", "p99", "errors");
        if (p is null)
        {
            table.AddRow("-", Format.Seconds(Scenario.Load.Duration), "0", "-", "0", "-", "-", "-", "0");
            return table;
        }
        var elapsed = p.Elapsed < p.Duration ? p.Elapsed : p.Duration;
        var t = p.Totals;
        LatencySummary l = t.Latency;
        table.AddRow(
            Format.Seconds(elapsed),
            Format.Seconds(p.Duration - elapsed),
            p.ActiveUsers.ToString(),
            $"{rps:0.0}",
            t.Requests.ToString(),
            Format.Ms(l.P50).Trim(),
            Format.Ms(l.P95).Trim(),
            Format.Ms(l.P99).Trim(),
            t.Errors == 0 ? "[green]0[/]" : $"[red]{t.Errors} ({t.ErrorRate:P2})[/]");
        return table;
    }
}
