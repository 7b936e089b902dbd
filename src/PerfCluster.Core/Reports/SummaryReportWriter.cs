using System.Text;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Regression;
using PerfCluster.Core.Scenarios;

namespace PerfCluster.Core.Reports;

/// <summary>
/// <c>summary.txt</c>: the executive summary. A verdict line, when and how long, then a few aligned lines per
/// scenario (the workload model, users, requests, dropped iterations, throughput, error rate, p50/p95/p99, service
/// time in the open model, warm-up, generator health, what the latency means), its thresholds with ✓/✗, and the
/// alerts and recommendations of <see cref="ReportAnalysis"/>.
/// </summary>
public static class SummaryReportWriter
{
    public const string FileName = "summary.txt";

    private const int Width = 100;

    public static string Render(RunReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var analysis = ReportAnalysis.Analyze(report);
        var text = new StringBuilder();
        void Line(string line = "") => text.Append(line.TrimEnd()).Append('\n');

        Line($"PerfCluster run {report.RunId}: {Verdict(report)} (exit code {report.ExitCode})");
        Line(Field("When", $"{ReportFormat.Timestamp(report.StartedAt)} → {ReportFormat.Timestamp(report.FinishedAt)} " +
                          $"({ReportFormat.Duration(report.Duration)})"));
        Line(Field("Host", $"{report.Host}, {RunReport.ToolName} {report.ToolVersion}"));
        if (report.SourceFile is not null) Line(Field("Source", report.SourceFile));
        if (report.Optimisation is { } study)
        {
            Line();
            foreach (var line in OptimisationLines(study)) Line(line);
        }
        if (report.PoolSweep is { } sweep)
        {
            Line();
            foreach (var line in PoolSweepLines(sweep)) Line(line);
        }
        if (report.CacheStrategies is { } cache)
        {
            Line();
            foreach (var line in CacheLines(cache)) Line(line);
        }
        if (report.QueryPatterns is { } patterns)
        {
            Line();
            Line($"Query patterns on {patterns.Provider}, {ReportFormat.Count(patterns.Rows)} rows in tables {patterns.Prefix}* " +
                 (patterns.Dropped ? "(dropped after)" : "(NOT dropped: drop them by hand)"));
            var rows = new List<string[]> { new[] { "Pattern", "Req/s", "p50", "p95", "p99", "Errors", "Rows read", "Rows changed" } };
            rows.AddRange(patterns.Points.Select(p => new[]
            {
                p.Pattern, ReportFormat.Number(p.Throughput, "#,0.0"),
                p.Requests > 0 ? ReportFormat.Latency(p.Latency.P50) : "n/a", p.Requests > 0 ? ReportFormat.Latency(p.Latency.P95) : "n/a",
                p.Requests > 0 ? ReportFormat.Latency(p.Latency.P99) : "n/a", ReportFormat.Count(p.Errors), ReportFormat.Count(p.RowsRead), ReportFormat.Count(p.RowsAffected),
            }));
            foreach (var row in Table(rows, rightAligned: [false, true, true, true, true, true, true, true])) Line("  " + row);
        }

        foreach (var scenario in report.Scenarios)
        {
            Line();
            foreach (var line in ScenarioLines(scenario)) Line(line);
        }

        Section(text, "Alerts", analysis.Alerts.Select(a =>
            $"[{a.Severity.ToJsonName()}] {(report.Scenarios.Count > 1 ? a.Scenario + ": " : "")}{a.Message}"));
        Section(text, "Recommendations", analysis.Recommendations);
        Section(text, "Notes", report.Notes);
        return text.ToString();
    }

    public static void Write(RunReport report, string directory) =>
        ReportWriter.WriteFile(directory, FileName, Render(report));

    /// <summary>PASSED, FAILED or INTERRUPTED (interrupted wins), as the exit code says.</summary>
    public static string Verdict(RunReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.Interrupted) return "INTERRUPTED";
        if (report.Passed) return "PASSED";
        return report.Status == RunStatus.Error ? "FAILED (run error)" : "FAILED";
    }

    private static IEnumerable<string> OptimisationLines(Optimisation.StudyResult r)
    {
        var c = System.Globalization.CultureInfo.InvariantCulture;
        static string Gain(double? g) => g is { } v ? v.ToString("+0.0%;-0.0%;0.0%", System.Globalization.CultureInfo.InvariantCulture) : "n/a";
        yield return $"Optimisation study '{r.Study.Name}' of '{r.Scenario}': {r.Trials.Count} trial(s), stopped: {r.StopReason}";
        yield return Field("  Objectives", string.Join(", ", r.Study.Objectives.Select(o => o.Describe())));
        if (r.Study.Constraints.Count > 0) yield return Field("  SLOs", string.Join(", ", r.Study.Constraints.Select(x => x.Text)));
        if (r.Best is { } best)
        {
            yield return Field("  Best", $"trial {string.Join(" and ", r.BestTrials)}: {Optimisation.StudyDefinition.Describe(best)}");
            yield return Field("  Gain", $"{Gain(r.Gain)} over the baseline (weighted geometric mean of the objectives' ratios)" +
                                         (r.GainLow is not null ? $", 95% interval {Gain(r.GainLow)} .. {Gain(r.GainHigh)}" : ""));
        }
        else yield return Field("  Best", "no feasible configuration beat the baseline");
        yield return Field("  Applied", r.Applied is { } applied
            ? $"{(r.AppliedBest ? "the best" : "the baseline")}: {Optimisation.StudyDefinition.Describe(applied)}"
            : "nothing");
        if (r.Error is { } error) yield return Field("  Error", error);
        if (r.Importance.Count > 0)
            yield return Field("  Importance", string.Join(", ", r.Importance.Select(i => $"{i.Parameter} {i.Share.ToString("0%", c)}")));
        var metrics = r.Study.Objectives.Select(o => o.Metric).Concat(r.Study.Constraints.Select(x => x.Metric)).DistinctBy(m => m.Key).ToList();
        var header = new List<string> { "Trial", "Kind" };
        header.AddRange(r.Study.Space.Parameters.Select(p => p.Name));
        header.AddRange(metrics.Select(m => m.Describe()));
        header.AddRange(["Gain", ""]);
        var rows = new List<string[]> { header.ToArray() };
        foreach (var t in r.Trials)
        {
            var row = new List<string> { t.Trial.Number.ToString(c), t.Trial.Kind };
            row.AddRange(r.Study.Space.Parameters.Select(p => t.Trial.Parameters.GetValueOrDefault(p.Name, "")));
            row.AddRange(metrics.Select(m => m.Format(t.Trial.MetricOf(m))));
            row.Add(t.Score is { } s ? Gain(Optimisation.StudyScoring.Gain(s)) : "n/a");
            row.Add(r.BestTrials.Contains(t.Trial.Number) ? "← best" : t.Trial.Status != Optimisation.TrialStatuses.Completed ? t.Trial.Status
                : !t.Feasible ? "infeasible: " + string.Join(", ", t.Broken) : "");
            rows.Add(row.ToArray());
        }
        var right = Enumerable.Range(0, header.Count).Select(i => i != 1 && i != header.Count - 1).ToArray();
        foreach (var row in Table(rows, rightAligned: right)) yield return "  " + row;
        foreach (var note in r.Notes) yield return "  note: " + note;
    }

    private static IEnumerable<string> PoolSweepLines(Databases.PoolSweepResult sweep)
    {
        yield return $"Pool sweep of database {sweep.Database} ({(sweep.Exhaustive ? "every size" : "adaptive")}, {sweep.Points.Count} sizes run): " +
                     (sweep.Optimal is { } optimal ? $"optimal pool size {optimal}" : "no size met the SLA");
        foreach (var line in Wrapped(Field("  Rule", ""), sweep.Rule)) yield return line;
        var rows = new List<string[]> { new[] { "Pool", "Req/s", "p50", "p95", "p99", "Pool wait p99", "Error rate", "" } };
        rows.AddRange(sweep.Points.OrderBy(p => p.Size).Select(p => new[]
        {
            p.Size.ToString(System.Globalization.CultureInfo.InvariantCulture), ReportFormat.Number(p.Throughput, "#,0.0"),
            p.Requests > 0 ? ReportFormat.Latency(p.Latency.P50) : "n/a", p.Requests > 0 ? ReportFormat.Latency(p.Latency.P95) : "n/a",
            p.Requests > 0 ? ReportFormat.Latency(p.Latency.P99) : "n/a", p.PoolWaitP99 is { } w ? ReportFormat.Latency(w) : "n/a",
            ReportFormat.Percent(p.ErrorRate),
            p.Size == sweep.Optimal ? "← optimal" : p.MeetsSla(sweep.SlaP99, sweep.MaxErrorRate) ? "" : "misses the SLA",
        }));
        foreach (var row in Table(rows, rightAligned: [true, true, true, true, true, true, true, false])) yield return "  " + row;
    }

    private static IEnumerable<string> CacheLines(Databases.CacheStrategiesResult cache)
    {
        var w = cache.Workload;
        yield return $"Cache strategies, {w.DescribeKeys()}, {ReportFormat.Count(w.Users)} users, cache of {ReportFormat.Number(w.MaxMemory / 1048576.0, "0.##")} MiB: " +
                     (cache.Winner is { } winner ? $"{winner} wins" : "no strategy ran");
        foreach (var line in Wrapped(Field("  Rule", ""), Databases.CacheStrategiesResult.Rule)) yield return line;
        var rows = new List<string[]> { new[] { "Strategy", "GETs", "Hit rate", "Redis hit rate", "Evictions", "Memory", "GET p99", "Lookup p95", "" } };
        rows.AddRange(cache.Points.Select(p => new[]
        {
            p.Strategy, ReportFormat.Count(p.Gets), p.Gets > 0 ? ReportFormat.Percent(p.HitRate) : "n/a",
            p.ServerHitRate is { } r ? ReportFormat.Percent(r) : "n/a", p.Evictions is { } e ? ReportFormat.Count(e) : "n/a",
            p.MemoryBytes is { } m ? ReportFormat.Number(m / 1048576.0, "0.0") + " MiB" : "n/a",
            p.Gets > 0 ? ReportFormat.Latency(p.GetLatency.P99) : "n/a", p.Gets > 0 ? ReportFormat.Latency(p.Iteration.P95) : "n/a",
            p.Strategy == cache.Winner ? "← wins" : "",
        }));
        foreach (var row in Table(rows, rightAligned: [false, true, true, true, true, true, true, true, false])) yield return "  " + row;
    }

    private static IEnumerable<string> ScenarioLines(ScenarioReport scenario)
    {
        var d = scenario.Definition;
        var s = scenario.Statistics;
        var o = s.Overall;
        var state = scenario.Interrupted ? "interrupted" : scenario.Passed ? "passed" : "failed";
        yield return $"Scenario {d.Name} — {state}";
        if (!string.IsNullOrWhiteSpace(d.Description)) yield return "  " + d.Description.Trim();
        foreach (var line in ModelLines(d)) yield return line;
        if (d.SendsHttp) yield return Field("  Target", d.Target.ToString());
        if (d.Journey is { Databases.Count: > 0 } j)
            yield return Field("  Databases", string.Join(", ", j.Databases.Select(db =>
                $"{db.Name} ({db.ProviderKey}{(db.PoolSize > 0 ? $", pool {db.PoolSize}" : "")})")));
        var planned = $"planned {ReportFormat.Duration(d.Load.Duration)}, measured {ReportFormat.Duration(s.MeasuredDuration)}";
        yield return Field("  Users", d.Open is { } pool
            ? $"peak {s.PeakUsers} in a pool of {pool.PreAllocatedUsers}..{pool.MaxUsers}, {planned}"
            : d.Load.Stages.Count > 0
                ? $"{d.Load.Users} (peak {s.PeakUsers}), {planned}"
                : $"{d.Load.Users} (peak {s.PeakUsers}), ramp-up {ReportFormat.Duration(d.Load.RampUp)}, {planned}");
        yield return Field("  Requests", $"{ReportFormat.Count(o.Requests)}, {ReportFormat.Count(o.Errors)} errors " +
                                         $"(error rate {ReportFormat.Percent(o.ErrorRate)})");
        if (s.DroppedIterations > 0)
        {
            var scheduled = ReportAnalysis.ScheduledIterations(s);
            yield return Field("  Dropped", $"{ReportFormat.Count(s.DroppedIterations)} iterations " +
                                            $"({ReportFormat.Percent((double)s.DroppedIterations / scheduled)} of {ReportFormat.Count(scheduled)} scheduled) " +
                                            "found no free user and were not sent");
        }
        var kinds = o.ErrorsByKind
            .Where(k => k.Value > 0)
            .OrderBy(k => Array.FindIndex(ErrorKinds.All, kind => kind.Key() == k.Key) is var i and >= 0 ? i : int.MaxValue)
            .Select(k => $"{k.Key} {ReportFormat.Count(k.Value)}")
            .ToList();
        if (kinds.Count > 0) yield return Field("  Errors", string.Join(", ", kinds));
        yield return Field("  Throughput", ReportFormat.Rate(o.Throughput));
        if (scenario.Iterations.Count > 1)
        {
            var summary = IterationSummary.Of(scenario.Iterations).ToDictionary(m => m.Metric, m => m.Summary);
            string Ci(string metric, Func<double, string> format) =>
                $"{format(summary[metric].Mean)} [{format(summary[metric].Ci95Low)}, {format(summary[metric].Ci95High)}]";
            yield return Field("  Iterations", $"{scenario.Iterations.Count} runs; mean [95% CI]: throughput {Ci("throughput", ReportFormat.Rate)}, " +
                $"p95 {Ci("p95", ReportFormat.Latency)}, p99 {Ci("p99", ReportFormat.Latency)}");
        }
        yield return Field("  Latency", o.Requests > 0
            ? Percentiles(o.Latency)
            : "n/a (no requests)");
        if (d.IsOpen && o.ServiceTime is { } service)
        {
            yield return Field("  Service", o.Requests > 0
                ? $"{Percentiles(service)} (service time, from the actual send)"
                : "n/a (no requests)");
        }
        if (s.WarmUp is { } warm)
        {
            var figures = warm.Requests > 0 ? $", p95 {ReportFormat.Latency(warm.Latency.P95)}" : "";
            yield return Field("  Warm-up", $"{ReportFormat.Duration(d.WarmUp)}: {ReportFormat.Count(warm.Requests)} requests, " +
                                            $"{ReportFormat.Count(warm.Errors)} errors{figures} (kept out of every other figure)");
        }
        else if (d.WarmUp > TimeSpan.Zero)
        {
            yield return Field("  Warm-up", $"{ReportFormat.Duration(d.WarmUp)} (kept out of every other figure)");
        }
        var g = s.Generator;
        var health = "";
        if (s.SchedulingLag is { } lag) health += $", scheduling lag p99 {ReportFormat.Latency(lag.P99)}";
        if (s.ConnectionWaits > 0) health += $", {ReportFormat.Count(s.ConnectionWaits)} connection waits";
        yield return Field("  Generator", $"CPU {ReportFormat.Number(g.CpuPercentOfMachine, "0")}% of {ReportFormat.Cores(g.ProcessorCount)}, " +
                                          $"peak memory {ReportFormat.Number(g.PeakWorkingSetBytes / (1024.0 * 1024.0), "0.0")} MiB{health}");
        if (g.PeakThreadPoolThreads > 0)
            yield return Field("  Runtime", $"GC pauses {ReportFormat.Number(g.GcPauseSeconds * 1000, "0")} ms, {ReportFormat.Count(g.Gen2Collections)} full collections, " +
                                            $"peak heap {ReportFormat.Number(g.PeakGcHeapBytes / (1024.0 * 1024.0), "0.0")} MiB, " +
                                            $"up to {g.PeakThreadPoolThreads} pool threads, {g.PeakOpenSockets} sockets");
        if (s.Workers.Count > 1)
            yield return Field("  Workers", $"{s.Workers.Count}: " + string.Join(", ",
                s.Workers.Select(w => $"{w.Node} {ReportFormat.Count(w.Requests)} requests")));
        if (LatencyNotes.For(d) is { } note)
        {
            foreach (var line in Wrapped(Field("  Note", ""), note)) yield return line;
        }

        var journey = d.Journey is not null;
        if (s.Endpoints.Count > 1 || journey)
        {
            yield return "";
            var rows = new List<string[]> { new[] { journey ? "Step" : "Endpoint", "Requests", "Error rate", "Req/s", "p50", "p95", "p99" } };
            rows.AddRange(s.Endpoints.Select(e => new[]
            {
                e.Name, ReportFormat.Count(e.Requests), ReportFormat.Percent(e.ErrorRate), ReportFormat.Number(e.Throughput, "#,0.0"),
                e.Requests > 0 ? ReportFormat.Latency(e.Latency.P50) : "n/a",
                e.Requests > 0 ? ReportFormat.Latency(e.Latency.P95) : "n/a",
                e.Requests > 0 ? ReportFormat.Latency(e.Latency.P99) : "n/a",
            }));
            foreach (var row in Table(rows, rightAligned: [false, true, true, true, true, true, true])) yield return "  " + row;
        }
        var data = s.Endpoints.Where(e => e.RowsRead > 0 || e.RowsAffected > 0).ToList();
        if (data.Count > 0)
        {
            yield return "";
            var rows = new List<string[]> { new[] { "Data step", "Rows read", "Rows changed", "Read per call" } };
            rows.AddRange(data.Select(e => new[]
            {
                e.Name, ReportFormat.Count(e.RowsRead), ReportFormat.Count(e.RowsAffected),
                e.Requests > 0 ? ReportFormat.Number((double)e.RowsRead / e.Requests, "0.###") : "n/a",
            }));
            foreach (var row in Table(rows, rightAligned: [false, true, true, true])) yield return "  " + row;
        }
        if (s.Pools.Any(p => p.Bytes is not null))
        {
            yield return "";
            var rows = new List<string[]> { new[] { "Cache", "Evictions", "Entries", "Memory" } };
            rows.AddRange(s.Pools.Where(p => p.Bytes is not null).Select(p => new[]
            {
                p.Database, ReportFormat.Count(p.Evictions), ReportFormat.Count(p.Entries ?? 0), ReportFormat.Number((p.Bytes ?? 0) / 1024.0, "#,0.0") + " KiB",
            }));
            foreach (var row in Table(rows, rightAligned: [false, true, true, true])) yield return "  " + row;
        }
        if (s.Pools.Any(p => p.Bytes is null))
        {
            yield return "";
            var rows = new List<string[]> { new[] { "Pool", "Acquired", "Timed out", "wait p50", "wait p95", "wait p99" } };
            rows.AddRange(s.Pools.Where(p => p.Bytes is null).Select(p => new[]
            {
                p.Database, ReportFormat.Count(p.Acquired), ReportFormat.Count(p.Timeouts),
                p.Acquired > 0 ? ReportFormat.Latency(p.Wait.P50) : "n/a",
                p.Acquired > 0 ? ReportFormat.Latency(p.Wait.P95) : "n/a",
                p.Acquired > 0 ? ReportFormat.Latency(p.Wait.P99) : "n/a",
            }));
            foreach (var row in Table(rows, rightAligned: [false, true, true, true, true, true])) yield return "  " + row;
        }
        if (journey)
        {
            yield return "";
            var rows = new List<string[]> { new[] { "Flow / group", "Iterations", "Failed", "p50", "p95", "p99" } };
            rows.AddRange(s.Flows.Select(f => (f, "flow ")).Concat(s.Groups.Select(g => (g, "group "))).Select(x => new[]
            {
                x.Item2 + x.Item1.Name, ReportFormat.Count(x.Item1.Iterations), ReportFormat.Count(x.Item1.Failed),
                x.Item1.Iterations > 0 ? ReportFormat.Latency(x.Item1.Duration.P50) : "n/a",
                x.Item1.Iterations > 0 ? ReportFormat.Latency(x.Item1.Duration.P95) : "n/a",
                x.Item1.Iterations > 0 ? ReportFormat.Latency(x.Item1.Duration.P99) : "n/a",
            }));
            foreach (var row in Table(rows, rightAligned: [false, true, true, true, true, true])) yield return "  " + row;
            if (s.Checks.Count > 0)
            {
                yield return "";
                var checks = new List<string[]> { new[] { "Check", "Passed", "Failed", "Rate" } };
                checks.AddRange(s.Checks.Select(c => new[]
                {
                    (c.Failures == 0 ? "✓ " : "✗ ") + c.Name, ReportFormat.Count(c.Passes), ReportFormat.Count(c.Failures),
                    c.Total == 0 ? "n/a" : ReportFormat.Percent(c.Rate),
                }));
                foreach (var row in Table(checks, rightAligned: [false, true, true, true])) yield return "  " + row;
            }
        }

        foreach (var line in ModuleLines(scenario.Modules)) yield return line;

        yield return "";
        if (scenario.Thresholds.Count == 0)
        {
            yield return "  Thresholds: none defined";
        }
        else
        {
            var passed = scenario.Thresholds.Count(t => t.Passed);
            yield return $"  Thresholds: {passed} of {scenario.Thresholds.Count} passed";
            var thresholdRows = scenario.Thresholds.Select(t => new[]
            {
                t.Passed ? "✓" : "✗", t.Scope, t.Expression, "actual " + t.FormatActual() + (t.Note is null ? "" : $" ({t.Note})"),
            }).ToList();
            foreach (var row in Table(thresholdRows, rightAligned: [false, false, false, false])) yield return "    " + row;
        }

        if (scenario.Regression is { } regression)
        {
            yield return "";
            foreach (var line in RegressionLines(regression)) yield return line;
        }
    }

    /// <summary>
    /// Modules: one row per module (ops/s, p95, scalability E with its 95% interval), its sub-operations and exceptions,
    /// then one line per target with its verdict.
    /// </summary>
    private static IEnumerable<string> ModuleLines(IReadOnlyList<Modules.ModulePerformance> modules)
    {
        if (modules.Count == 0) yield break;
        yield return "";
        var rows = new List<string[]> { new[] { "Module", "Operations", "Errors", "Ops/s", "p50", "p95", "p99", "Scalability E (95% CI)" } };
        rows.AddRange(modules.Select(m => new[]
        {
            m.Module, ReportFormat.Count(m.Operations), ReportFormat.Count(m.Errors), ReportFormat.Number(m.OpsPerSecond, "#,0.0"),
            m.Operations > 0 ? ReportFormat.Latency(m.Latency.P50) : "n/a",
            m.Operations > 0 ? ReportFormat.Latency(m.Latency.P95) : "n/a",
            m.Operations > 0 ? ReportFormat.Latency(m.Latency.P99) : "n/a",
            m.Scalability is { } e
                ? $"{ReportFormat.Number(e.Efficiency, "0.00")} ({ReportFormat.Number(e.Ci95Low, "0.00")}–{ReportFormat.Number(e.Ci95High, "0.00")}), " +
                  $"{ReportFormat.Number(e.LowThroughput, "#,0.#")} → {ReportFormat.Number(e.HighThroughput, "#,0.#")} ops/s at {e.Users} → {2 * e.Users} users"
                : "n/a",
        }));
        foreach (var row in Table(rows, rightAligned: [false, true, true, true, true, true, true, false])) yield return "  " + row;
        foreach (var m in modules)
        {
            foreach (var o in m.SubOperations)
                yield return $"    {m.Module} / {o.Name}: {ReportFormat.Count(o.Count)} timed, {ReportFormat.Count(o.Failed)} failed, " +
                             $"p50 {ReportFormat.Latency(o.Duration.P50)}, p95 {ReportFormat.Latency(o.Duration.P95)}, p99 {ReportFormat.Latency(o.Duration.P99)}";
            foreach (var x in m.Exceptions)
                yield return $"    {m.Module} threw {x.Type} {ReportFormat.Count(x.Count)} times{(x.Sample is null ? "" : $"; first: {x.Sample}")}";
        }
        foreach (var m in modules.Where(m => m.SetupFailed))
            yield return $"  ✗ {m.Module}: SetupAsync threw, so the module could not be set up for every user (the scenario fails)";
        var targets = modules.SelectMany(m => m.Targets.Select(t => (m.Module, t))).ToList();
        if (targets.Count == 0) yield break;
        yield return $"  Module targets: {targets.Count(x => x.t.Passed)} of {targets.Count} passed (latency targets are on p95)";
        foreach (var (module, t) in targets)
            yield return $"    {(t.Passed ? "✓" : "✗")} {module} {t.Target}: {t.Describe()}";
    }

    /// <summary>
    /// "  Regression: FAIL against baseline 'nightly' v3 (run ...)", one row per metric (✓ pass, ! warning, ✗ fail,
    /// - not compared) with both values, the change, the levels and the test, then notes and environment warnings.
    /// </summary>
    private static IEnumerable<string> RegressionLines(RegressionVerdict v)
    {
        var strict = v.Strict ? ", strict: warnings fail" : "";
        yield return $"  Regression: {v.Outcome.ToJsonName().ToUpperInvariant()} against {RegressionFormat.Baseline(v)}{strict}";
        var rows = new List<string[]> { new[] { "", "Metric", "Baseline", "Current", "Change", "Levels", "Test" } };
        rows.AddRange(v.Metrics.Select(m => new[]
        {
            m.Outcome switch
            {
                RegressionOutcome.Pass => "✓",
                RegressionOutcome.Warning => "!",
                RegressionOutcome.Fail => "✗",
                _ => "-",
            },
            m.Metric, RegressionFormat.Value(m, m.Baseline), RegressionFormat.Value(m, m.Current),
            RegressionFormat.Change(m.ChangePercent), RegressionFormat.Limits(m), RegressionFormat.Test(m),
        }));
        foreach (var row in Table(rows, rightAligned: [false, false, true, true, true, false, false])) yield return "    " + row;
        foreach (var m in v.Metrics.Where(m => m.Note is not null))
        {
            foreach (var line in Wrapped("    Note: ", $"{m.Metric}: {m.Note}")) yield return line;
        }
        foreach (var warning in v.EnvironmentWarnings)
        {
            foreach (var line in Wrapped("    Environment: ", warning)) yield return line;
        }
    }

    private static string Field(string label, string value) => $"{label + ":",-14}{value}";

    private static string Percentiles(LatencySummary latency) =>
        $"p50 {ReportFormat.Latency(latency.P50)}, p95 {ReportFormat.Latency(latency.P95)}, " +
        $"p99 {ReportFormat.Latency(latency.P99)}, max {ReportFormat.Latency(latency.Max)}";

    /// <summary>
    /// "  Open model: 50 iterations/s, pool 10..200 users", or "  Closed model: ..." with the users and ramp-up, or
    /// the stages, and the think time; wrapped under its first word of text when long.
    /// </summary>
    private static IEnumerable<string> ModelLines(ScenarioDefinition d)
    {
        if (d.Open is { } open)
        {
            var pool = $"pool {open.PreAllocatedUsers}..{open.MaxUsers} users";
            var rate = open.Stages.Count == 0
                ? $"{Amount(open.Rate)} iterations/s, {pool}"
                : $"from {Amount(open.StartRate)}/s, {StageText(open.StartRate, open.Stages, "/s")}; " +
                  $"peak {Amount(open.Rate)} iterations/s, {pool}";
            return Wrapped("  Open model: ", rate);
        }
        var think = d.Load.Think;
        var thinkText = think.Mean <= TimeSpan.Zero && think.Jitter <= TimeSpan.Zero
            ? "no think time"
            : "think time " + DurationText.Format(think.Mean) + (think.Jitter > TimeSpan.Zero ? $" ± {DurationText.Format(think.Jitter)}" : "");
        var closed = d.Load.Phases is { } phases
            ? $"two phases for scalability: {phases.Users} users for {DurationText.Format(phases.Phase)} (after the warm-up), " +
              $"then {2 * phases.Users} users for {DurationText.Format(phases.Phase)}; {thinkText}"
            : d.Load.Stages.Count == 0
            ? $"{d.Load.Users} users, ramp-up {DurationText.Format(d.Load.RampUp)}, {thinkText}"
            : $"stages from 0 users, {StageText(0, d.Load.Stages, " users")}; {thinkText}";
        return Wrapped("  Closed model: ", closed);
    }

    /// <summary>"ramp to 50 users over 10s, hold 50 users for 60s, jump to 300 users": each stage from the previous target.</summary>
    private static string StageText(double start, IReadOnlyList<Stage> stages, string unit)
    {
        var parts = new List<string>();
        var previous = start;
        foreach (var stage in stages)
        {
            var target = Amount(stage.Target) + unit;
            parts.Add(stage.Duration <= TimeSpan.Zero ? $"jump to {target}"
                : stage.Target == previous ? $"hold {target} for {DurationText.Format(stage.Duration)}"
                : $"ramp to {target} over {DurationText.Format(stage.Duration)}");
            previous = stage.Target;
        }
        return string.Join(", ", parts);
    }

    private static string Amount(double value) => ReportFormat.Number(value, "#,0.##");

    /// <summary>The prefix, then the text wrapped to the summary's width with continuation lines under the text.</summary>
    private static IEnumerable<string> Wrapped(string prefix, string text)
    {
        var indent = new string(' ', prefix.Length);
        var first = true;
        foreach (var line in Wrap(text, Width - prefix.Length))
        {
            yield return (first ? prefix : indent) + line;
            first = false;
        }
    }

    private static IEnumerable<string> Table(IReadOnlyList<string[]> rows, bool[] rightAligned)
    {
        var widths = Enumerable.Range(0, rightAligned.Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (var row in rows)
        {
            yield return string.Join("  ", row.Select((cell, c) => rightAligned[c] ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c])));
        }
    }

    private static void Section(StringBuilder text, string title, IEnumerable<string> items)
    {
        var list = items.ToList();
        if (list.Count == 0) return;
        text.Append('\n').Append(title).Append('\n');
        foreach (var item in list)
        {
            var first = true;
            foreach (var line in Wrap(item, Width - 4))
            {
                text.Append(first ? "  - " : "    ").Append(line).Append('\n');
                first = false;
            }
        }
    }

    private static IEnumerable<string> Wrap(string text, int width)
    {
        var line = new StringBuilder();
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                yield return line.ToString();
                line.Clear();
            }
            if (line.Length > 0) line.Append(' ');
            line.Append(word);
        }
        if (line.Length > 0) yield return line.ToString();
    }
}
