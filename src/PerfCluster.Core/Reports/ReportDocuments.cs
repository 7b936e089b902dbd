using PerfCluster.Core.Results;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Schema;
using System.Text.Json.Serialization;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Monitoring;
using PerfCluster.Core.Regression;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Thresholds;

namespace PerfCluster.Core.Reports;

/// <summary>
/// report.json: <see cref="From"/> builds the <see cref="ReportDocument"/> of a run, <see cref="Render"/> writes it,
/// <see cref="Parse"/> reads one back through the same types (<c>perfcluster report</c>, the HTML page), and
/// <see cref="Schema"/> is its JSON Schema, published as docs/report.schema.json.
/// </summary>
public static class ReportDocuments
{
    public const string FileName = "report.json";

    /// <summary>snake_case keys, nulls written, indented, non-ASCII text kept as it is.</summary>
    public static readonly JsonSerializerOptions Options = new(ReportJsonContext.Default.Options)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Render(RunReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return JsonSerializer.Serialize(From(report), Options) + "\n";
    }

    public static void Write(RunReport report, string directory) => ReportWriter.WriteFile(directory, FileName, Render(report));

    /// <summary>Reads the text of a report.json; <paramref name="source"/> names it in the error.</summary>
    /// <exception cref="InvalidDataException">The text is not JSON, or not a report written by PerfCluster.</exception>
    public static ReportDocument Parse(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return Read(json, source);
        }
        catch (InvalidOperationException e)
        {
            // System.Text.Json reports a lone surrogate escape ("\ud800") in a name this way, not as a JsonException.
            throw NotAReport(source, $"it holds text that is not valid Unicode ({e.Message})");
        }
        catch (ArgumentException e)
        {
            // An object with the same key twice: JsonNode refuses it when the object is first read.
            throw NotAReport(source, $"an object has a key twice ({e.Message})");
        }
    }

    private static ReportDocument Read(string json, string source)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw NotAReport(source, $"it is not valid JSON ({e.Message})");
        }
        if (root is not JsonObject top) throw NotAReport(source, "its top level is not a JSON object");
        if (top["benchmark_run_id"] is not JsonValue) throw NotAReport(source, "it has no \"benchmark_run_id\"");
        if (top["load_tests"] is not JsonObject) throw NotAReport(source, "it has no \"load_tests\" object");
        if (top["tool"]?["name"] is JsonValue name && name.GetValueKind() == JsonValueKind.String && name.GetValue<string>() != RunReport.ToolName)
            throw NotAReport(source, $"it was written by '{name.GetValue<string>()}'");
        try
        {
            return top.Deserialize<ReportDocument>(Options) ?? throw NotAReport(source, "it is null");
        }
        catch (JsonException e)
        {
            throw NotAReport(source, $"{e.Path ?? "a value"} is not what PerfCluster writes there ({e.Message})");
        }
    }

    private static InvalidDataException NotAReport(string source, string why) =>
        new($"{source} is not a PerfCluster report.json: {why}; expected the report.json that 'perfcluster run' writes " +
            "(an object with \"benchmark_run_id\", \"status\" and \"load_tests\")");

    /// <summary>
    /// The JSON Schema (draft 2020-12) of report.json, generated from the records: every key the records have is
    /// required (optional ones may be absent), no other key is allowed, and figures may be null.
    /// </summary>
    public static JsonNode Schema()
    {
        var schema = Options.GetJsonSchemaAsNode(typeof(ReportDocument), new JsonSchemaExporterOptions
        {
            TreatNullObliviousAsNonNullable = true,
            TransformSchemaNode = (context, node) =>
            {
                // The scenario block: a scenario file's JSON, which the scenario loader (not this schema) checks.
                if (context.TypeInfo.Type == typeof(JsonElement))
                    return new JsonObject { ["type"] = "object", ["description"] = "the scenario as run, in the JSON form the scenario loader reads" };
                // Every object the records describe (not a dictionary): its keys are required unless written only when
                // set, and no other key belongs there.
                if (context.TypeInfo.Kind == JsonTypeInfoKind.Object && node is JsonObject obj && obj["properties"] is JsonObject properties)
                {
                    var optional = context.TypeInfo.Properties.Where(IsOmittable).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
                    obj["required"] = new JsonArray([.. properties.Select(p => p.Key).Where(k => !optional.Contains(k)).Select(k => (JsonNode)k!)]);
                    obj["additionalProperties"] = false;
                }
                return node;
            },
        });
        var root = (JsonObject)schema;
        root.Insert(0, "$schema", "https://json-schema.org/draft/2020-12/schema");
        root.Insert(1, "title", "PerfCluster report.json");
        root.Insert(2, "description", "The report every PerfCluster run writes; generated from PerfCluster.Core.Reports.ReportDocument.");
        return root;
    }

    /// <summary>The schema as docs/report.schema.json has it: indented, one line per key.</summary>
    public static string SchemaText() =>
        Schema().ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    /// <summary>A key written only when it has a value (JsonIgnore WhenWritingNull).</summary>
    private static bool IsOmittable(JsonPropertyInfo property) =>
        property.AttributeProvider?.GetCustomAttributes(typeof(JsonIgnoreAttribute), inherit: true)
            .OfType<JsonIgnoreAttribute>().Any(a => a.Condition == JsonIgnoreCondition.WhenWritingNull) == true;

    /// <summary>The document of a finished (or partial) run: the figures, the verdicts, and the alerts and recommendations they imply.</summary>
    public static ReportDocument From(RunReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var analysis = ReportAnalysis.Analyze(report);
        var names = new UniqueKeys();
        var tests = new Dictionary<string, LoadTestDocument>(StringComparer.Ordinal);
        foreach (var scenario in report.Scenarios) tests[names.Next(scenario.Name)] = LoadTest(scenario);
        var modules = ModuleDocuments(report);
        return new ReportDocument
        {
            BenchmarkRunId = report.RunId,
            Status = report.Status.ToJsonName(),
            Passed = report.Passed,
            ExitCode = report.ExitCode,
            StartedAt = report.StartedAt,
            FinishedAt = report.FinishedAt,
            DurationSeconds = N(Math.Round(report.Duration.TotalSeconds, 3)),
            Tool = new ToolDocument(RunReport.ToolName, report.ToolVersion),
            Host = report.Host,
            LoadTests = tests,
            Alerts = [.. analysis.Alerts.Select(a => new AlertDocument(
                a.Type, a.Severity.ToJsonName(), a.Message, a.Scenario, a.Endpoint, a.Live?.Name, a.Live?.Condition, a.Live?.Start, a.Live?.End,
                a.Live?.FiringAtEnd, a.Live is { } live ? N(live.Peak) : null, a.Live?.PeakText, a.Live?.Evidence))],
            Recommendations = [.. analysis.Recommendations],
            Notes = [.. report.Notes],
            Source = new SourceDocument(report.SourceFile, report.SourceText),
            PoolSweep = report.PoolSweep is { } sweep ? PoolSweep(sweep) : null,
            Optimisation = report.Optimisation is { } study ? Optimisation(study) : null,
            CacheStrategies = report.CacheStrategies is { } cache ? CacheStrategies(cache) : null,
            QueryPatterns = report.QueryPatterns is { } patterns
                ? new QueryPatternsDocument(patterns.Provider, patterns.Prefix, patterns.Rows, patterns.Dropped,
                    [.. patterns.Points.Select(p => new QueryPatternDocument(p.Pattern, p.Scenario, p.Description, N(p.Throughput),
                        p.Requests > 0 ? N(p.Latency.P50) : null, p.Requests > 0 ? N(p.Latency.P95) : null, p.Requests > 0 ? N(p.Latency.P99) : null,
                        p.Requests, p.Errors, p.RowsRead, p.RowsAffected))])
                : null,
            ModulePerformance = modules,
            QuantumPerformance = modules,
        };
    }

    /// <summary>Every module of every load test, by module name (a module run by a second load test gets " (load test)").</summary>
    private static Dictionary<string, ModuleDocument>? ModuleDocuments(RunReport report)
    {
        var all = report.Scenarios.SelectMany(s => s.Modules).ToList();
        if (all.Count == 0) return null;
        var result = new Dictionary<string, ModuleDocument>(StringComparer.Ordinal);
        foreach (var m in all)
        {
            var key = result.ContainsKey(m.Module) ? $"{m.Module} ({m.Scenario})" : m.Module;
            var e = m.Scalability;
            result[key] = new ModuleDocument(
                m.Scenario, m.Step, m.Operations, m.Errors, N(m.OpsPerSecond), Latency(m.Latency, m.Operations > 0), e is null ? null : N(e.Efficiency),
                e is null ? null : new ScalabilityDocument(e.Users, N(e.LowThroughput), N(e.HighThroughput), e.LowWindows, e.HighWindows, N(e.Efficiency),
                    N(e.Ci95Low), N(e.Ci95High)),
                m.Passed,
                [.. m.Targets.Select(t => new ModuleTargetDocument(t.Target, N(t.Limit), N(t.Actual), t.Passed, t.Uncertain, t.Describe()))],
                m.Exceptions.ToDictionary(x => x.Type, x => new ModuleErrorDocument(x.Count, x.Sample), StringComparer.Ordinal),
                m.SubOperations.ToDictionary(o => o.Name, o => new SubOperationDocument(o.Count, o.Failed, Latency(o.Duration, o.Count > 0)), StringComparer.Ordinal));
        }
        return result;
    }

    private static CacheStrategiesDocument CacheStrategies(Databases.CacheStrategiesResult cache)
    {
        var w = cache.Workload;
        return new CacheStrategiesDocument(
            w.DescribeKeys(), w.Users, N(w.Duration.TotalSeconds), w.ValueSize, w.MaxMemory, N(w.Ttl.TotalSeconds),
            w.Backend.IsSql ? $"{w.Backend.SqlProvider}: {w.Backend.SqlQuery}" : $"simulated, {w.Backend.Latency.TotalMilliseconds:0.###} ms",
            Databases.CacheStrategiesResult.Rule, cache.Winner,
            [.. cache.Points.Select(p => new CacheStrategyDocument(
                p.Strategy, p.Scenario, p.Gets, p.Hits, p.Gets > 0 ? N(p.HitRate) : null, p.ServerHits, p.ServerMisses,
                p.ServerHitRate is { } r ? N(r) : null, p.Evictions, p.MemoryBytes, N(p.GetThroughput),
                p.Gets > 0 ? N(p.GetLatency.P50) : null, p.Gets > 0 ? N(p.GetLatency.P95) : null, p.Gets > 0 ? N(p.GetLatency.P99) : null,
                p.Gets > 0 ? N(p.Iteration.P95) : null, p.Errors))]);
    }

    private static OptimisationDocument Optimisation(Optimisation.StudyResult r)
    {
        var s = r.Study;
        return new OptimisationDocument(
            s.Name, r.Scenario,
            [.. s.Space.Parameters.Select(p => new OptimisationParameterDocument(p.Name, p.Kind.ToString().ToLowerInvariant(),
                p.Kind is Core.Optimisation.ParameterKind.Integer or Core.Optimisation.ParameterKind.Real ? p.Min : null,
                p.Kind is Core.Optimisation.ParameterKind.Integer or Core.Optimisation.ParameterKind.Real ? p.Max : null,
                p.Kind == Core.Optimisation.ParameterKind.Integer ? p.Step : null, p.Kind == Core.Optimisation.ParameterKind.Choice ? [.. p.Choices] : null, p.Log,
                Core.Optimisation.StudyDefinition.Format(s.Start[p.Name])))],
            [.. s.Objectives.Select(o => new OptimisationObjectiveDocument(o.Metric.Describe(), o.Goal == Core.Optimisation.ObjectiveGoal.Maximize ? "maximize" : "minimize", o.Weight))],
            [.. s.Constraints.Select(c => c.Text)], s.MaxTrials, s.MaxTime.TotalSeconds, s.Convergence, s.Patience, r.StopReason, r.Interrupted,
            [.. r.Trials.Select(t => new OptimisationTrialDocument(t.Trial.Number, t.Trial.Kind, new Dictionary<string, string>(t.Trial.Parameters),
                t.Trial.Metrics.ToDictionary(m => m.Key, m => m.Value is { } v ? N(v) : null), t.Score is { } sc ? N(sc) : null,
                t.Score is { } g ? N(Core.Optimisation.StudyScoring.Gain(g)) : null, t.Feasible, [.. t.Broken], t.Trial.Status, t.Trial.Reason, t.Trial.RunId,
                t.Trial.StartedAt, t.Trial.FinishedAt))],
            [.. r.BestTrials], r.Best is null ? null : new Dictionary<string, string>(r.Best), r.BestScore is { } b ? N(b) : null,
            r.Gain is { } gain ? N(gain) : null, r.GainLow is { } low ? N(low) : null, r.GainHigh is { } high ? N(high) : null, r.Noise is { } noise ? N(noise) : null,
            [.. r.Convergence.Select(c => c is { } v ? N(Core.Optimisation.StudyScoring.Gain(v)) : null)],
            [.. r.Importance.Select(i => new OptimisationImportanceDocument(i.Parameter, N(i.LengthScale) ?? 0, N(i.Share) ?? 0))],
            r.Applied is null ? null : new Dictionary<string, string>(r.Applied), r.AppliedBest, r.Error,
            r.ProposalMsMean is { } pm ? N(pm) : null, r.ProposalMsMax is { } px ? N(px) : null, [.. r.Notes]);
    }

    private static PoolSweepDocument PoolSweep(Databases.PoolSweepResult sweep) => new(
        sweep.Database, sweep.Rule, sweep.TolerancePercent, sweep.SlaP99 is { } sla ? N(sla.TotalSeconds) : null, sweep.MaxErrorRate,
        sweep.Exhaustive ? "exhaustive" : "adaptive", sweep.Optimal,
        [.. sweep.Points.OrderBy(p => p.Size).Select(p => new PoolSizeDocument(
            p.Size, p.Scenario, N(p.Throughput), p.Requests > 0 ? N(p.Latency.P50) : null, p.Requests > 0 ? N(p.Latency.P95) : null,
            p.Requests > 0 ? N(p.Latency.P99) : null, p.PoolWaitP99 is { } w ? N(w) : null, p.Requests, p.Errors, N(p.ErrorRate),
            p.MeetsSla(sweep.SlaP99, sweep.MaxErrorRate)))]);

    private static LoadTestDocument LoadTest(ScenarioReport scenario)
    {
        var stats = scenario.Statistics;
        var overall = Figures(stats.Overall);
        var endpoints = new UniqueKeys();
        return new LoadTestDocument
        {
            Throughput = overall.Throughput,
            Latency = overall.Latency,
            ServiceTime = overall.ServiceTime,
            ErrorRate = overall.ErrorRate,
            Requests = overall.Requests,
            Errors = overall.Errors,
            ErrorsByKind = overall.ErrorsByKind,
            RowsRead = overall.RowsRead,
            RowsAffected = overall.RowsAffected,
            Model = scenario.Definition.IsOpen ? "open" : "closed",
            LatencyNote = LatencyNotes.For(scenario.Definition),
            Passed = scenario.Passed,
            Interrupted = scenario.Interrupted,
            StartedAt = stats.StartedAt,
            MeasuredDurationSeconds = N(Math.Round(stats.MeasuredDuration.TotalSeconds, 3)),
            PeakUsers = stats.PeakUsers,
            Iterations = scenario.Iterations.Count > 0 ? Iterations(scenario.Iterations) : null,
            AbandonedInFlight = stats.AbandonedInFlight,
            DroppedIterations = stats.DroppedIterations,
            ConnectionWaits = stats.ConnectionWaits,
            SchedulingLag = stats.SchedulingLag is { } lag ? new LagDocument(N(lag.P50), N(lag.P95), N(lag.P99), N(lag.Max)) : null,
            WarmUp = stats.WarmUp is { } warmUp ? Figures(warmUp) : null,
            Endpoints = stats.Endpoints.ToDictionary(e => endpoints.Next(e.Name), Figures, StringComparer.Ordinal),
            Journey = scenario.Definition.Journey is null ? null : Journey(stats),
            Thresholds = [.. scenario.Thresholds.Select(t => new ThresholdDocument(
                t.Scope, t.Definition.Endpoint, t.Expression, t.Metric, t.Operator.Symbol(), N(t.Limit), N(t.Actual), t.Passed, t.Describe()) { Note = t.Note })],
            Regression = scenario.Regression is { } regression ? Regression(regression) : null,
            Generator = Generator(stats.Generator),
            Monitoring = Monitoring(stats.Monitoring),
            Workers = [.. stats.Workers.Select(w => new WorkerDocument(w.Node, w.Requests, w.Errors, N(w.CpuSeconds), w.Deltas, w.LastSecond))],
            Timeline = [.. stats.Timeline.Select(Window)],
            Scenario = JsonDocument.Parse(ScenarioJson.Write(scenario.Definition, indented: false)).RootElement.Clone(),
        };
    }

    private static JourneyDocument Journey(ScenarioStatistics stats)
    {
        static TimingDocument Timing(TimingStatistics t) =>
            new(t.Iterations, t.Completed, t.Failed, t.Iterations == 0 ? null : N(t.FailedRate), Latency(t.Duration, t.Iterations > 0));
        return new JourneyDocument(
            stats.Flows.ToDictionary(f => f.Name, Timing, StringComparer.Ordinal),
            stats.Groups.ToDictionary(g => g.Name, Timing, StringComparer.Ordinal),
            stats.Checks.ToDictionary(c => c.Name, c => new CheckDocument(c.Passes, c.Failures, c.Total == 0 ? null : N(c.Rate)), StringComparer.Ordinal))
        {
            Pools = stats.Pools.Count == 0 ? null
                : stats.Pools.ToDictionary(p => p.Database, p => new PoolDocument(p.Acquired, p.Timeouts, Latency(p.Wait, p.Acquired > 0))
                {
                    Evictions = p.Bytes is null ? null : p.Evictions,
                    Bytes = p.Bytes,
                    Entries = p.Entries,
                }, StringComparer.Ordinal),
        };
    }

    private static FiguresDocument Figures(EndpointStatistics stats)
    {
        var measured = stats.Requests > 0;
        var byKind = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var kind in ErrorKinds.All) byKind[kind.Key()] = stats.ErrorsByKind.TryGetValue(kind.Key(), out var count) ? count : 0;
        foreach (var (key, count) in stats.ErrorsByKind) byKind.TryAdd(key, count);
        return new FiguresDocument
        {
            Throughput = N(stats.Throughput),
            Latency = Latency(stats.Latency, measured),
            ServiceTime = stats.ServiceTime is { } service ? Latency(service, measured) : null,
            ErrorRate = N(stats.ErrorRate),
            Requests = stats.Requests,
            Errors = stats.Errors,
            ErrorsByKind = byKind,
            RowsRead = stats.RowsRead > 0 || stats.RowsAffected > 0 ? stats.RowsRead : null,
            RowsAffected = stats.RowsRead > 0 || stats.RowsAffected > 0 ? stats.RowsAffected : null,
        };
    }

    private static LatencyDocument Latency(LatencySummary l, bool measured) => measured
        ? new LatencyDocument(N(l.Min), N(l.Mean), N(l.StdDev), N(l.P50), N(l.P90), N(l.P95), N(l.P99), N(l.P999), N(l.Max))
        : new LatencyDocument(null, null, null, null, null, null, null, null, null);

    private static IterationsDocument Iterations(IReadOnlyList<IterationResult> iterations) => new(
        iterations.Count,
        [.. iterations.Select(run =>
        {
            var s = run.Statistics;
            return new IterationRunDocument(s.Overall.Requests, N(s.Overall.Throughput), N(s.Overall.ErrorRate), N(s.Overall.Latency.P50),
                N(s.Overall.Latency.P90), N(s.Overall.Latency.P95), N(s.Overall.Latency.P99), N(s.Overall.Latency.P999), run.Thresholds.All(t => t.Passed));
        })],
        IterationSummary.Of(iterations).ToDictionary(
            m => m.Metric, m => new SampleSummaryDocument(N(m.Summary.Mean), N(m.Summary.StdDev), N(m.Summary.Ci95Low), N(m.Summary.Ci95High)),
            StringComparer.Ordinal));

    private static RegressionDocument Regression(RegressionVerdict v) => new(
        new RegressionBaselineDocument(v.BaselineName, v.BaselineVersion, v.BaselineRunId),
        v.Outcome.ToJsonName(), v.Strict, v.Passed, v.ExitCode, [.. v.EnvironmentWarnings],
        [.. v.Metrics.Select(m => new MetricComparisonDocument(
            m.Metric, m.Endpoint, m.Direction.ToJsonName(), N(m.Baseline), N(m.Current), N(m.ChangePercent), N(m.WarningThreshold),
            N(m.FailureThreshold), m.Outcome.ToJsonName(), m.Test, m.PValue is { } p ? N(p) : null, N(m.Effect),
            m.EffectCi95Low is { } low && m.EffectCi95High is { } high ? [N(low), N(high)] : null,
            new ComparisonSamplesDocument(m.SampleSource, m.BaselineSamples, m.CurrentSamples), m.Note))]);

    private static GeneratorDocument Generator(GeneratorStatistics g) => new(
        N(g.CpuSeconds), N(g.CpuPercentOfOneCore), N(g.CpuPercentOfMachine), g.ProcessorCount, g.PeakWorkingSetBytes, g.PeakGcHeapBytes,
        N(g.GcPauseSeconds), g.Gen2Collections, g.PeakThreadPoolThreads, g.PeakThreadPoolQueueLength, g.PeakOpenSockets,
        g.NetworkReceivedBytes, g.NetworkSentBytes);

    private static MonitoringDocument Monitoring(MonitoringResult m) => new(
        m.AbortedBy, Leak(m.TargetLeak), Leak(m.GeneratorLeak),
        [.. m.AllAlerts.Select(a => new MonitoringAlertDocument(
            a.Name, SnakeCase(a.Kind.ToString()), a.Severity.ToJsonName(), a.Condition, a.Metric, a.Endpoint, a.Start, a.End, a.FiringAtEnd,
            N(a.DurationSeconds), N(a.Peak), a.PeakText, a.Evidence))],
        [.. m.Recommendations.Select(r => new MonitoringRecommendationDocument(
            SnakeCase(r.Kind.ToString()), r.Message, r.Second, r.Evidence.ToDictionary(e => e.Key, e => N(e.Value), StringComparer.Ordinal)))],
        [.. m.Target.Select(t => new TargetSampleDocument(t.Second)
        {
            CpuPercent = t.CpuPercent is { } cpu ? N(cpu) : null,
            MemoryMb = t.MemoryMb is { } mb ? N(mb) : null,
            Threads = t.Threads,
            Series = t.Series.Count > 0 ? t.Series.ToDictionary(e => e.Key, e => N(e.Value), StringComparer.Ordinal) : null,
        })]);

    private static LeakDocument? Leak(LeakAssessment? leak) => leak is null ? null : new(
        leak.Suspected, leak.Reason, leak.Samples, N(leak.Span.TotalSeconds), N(leak.SlopeMbPerMinute), N(leak.SlopeCiLowMbPerMinute),
        N(leak.SlopeCiHighMbPerMinute), N(leak.RSquared), N(leak.GrowthMb), N(leak.GrowthThresholdMb));

    /// <summary>One second of the timeline as report.json has it (also what the live dashboard draws).</summary>
    public static WindowDocument Window(WindowStatistics w)
    {
        var measured = w.Requests > 0;
        return new WindowDocument(
            w.Second, w.Requests, w.Errors, N(w.Throughput), w.ActiveUsers,
            measured
                ? new WindowLatencyDocument(N(w.Latency.P50), N(w.Latency.P95), N(w.Latency.P99), N(w.Latency.Max))
                : new WindowLatencyDocument(null, null, null, null),
            new Dictionary<string, long>(w.RequestsByEndpoint, StringComparer.Ordinal),
            [.. w.Nodes.Select(n => n.Resources is { } r
                ? new NodeWindowDocument(n.Node, N(n.CpuPercentOfOneCore), n.WorkingSetBytes)
                {
                    GcHeapBytes = r.GcHeapBytes, Gen0Collections = r.Gen0Collections, Gen1Collections = r.Gen1Collections,
                    Gen2Collections = r.Gen2Collections, GcPauseMs = N(r.GcPauseSeconds * 1000), ThreadPoolThreads = r.ThreadPoolThreads,
                    ThreadPoolQueueLength = r.ThreadPoolQueueLength, NetworkReceivedBytes = r.NetworkReceivedBytes,
                    NetworkSentBytes = r.NetworkSentBytes, OpenSockets = r.OpenSockets,
                }
                : new NodeWindowDocument(n.Node, N(n.CpuPercentOfOneCore), n.WorkingSetBytes))]);
    }

    /// <summary>A figure as report.json has it: null when it is NaN or infinite.</summary>
    private static double? N(double value) => double.IsFinite(value) ? value : null;

    /// <summary>"CapacityKnee" → "capacity_knee".</summary>
    private static string SnakeCase(string name)
    {
        var text = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0) text.Append('_');
            text.Append(char.ToLowerInvariant(name[i]));
        }
        return text.ToString();
    }

    /// <summary>Object keys from names that may repeat: the second "checkout" becomes "checkout (2)".</summary>
    private sealed class UniqueKeys
    {
        private readonly HashSet<string> _used = new(StringComparer.Ordinal);

        public string Next(string name)
        {
            var key = name;
            for (var n = 2; !_used.Add(key); n++) key = $"{name} ({n})";
            return key;
        }
    }
}

/// <summary>The source-generated serializer of report.json's records.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ReportDocument))]
internal sealed partial class ReportJsonContext : JsonSerializerContext;
