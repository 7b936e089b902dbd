using System.Text;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using PerfCluster.Core.History;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Schedules;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Baselines;
using PerfCluster.Engine.Coordination;
using PerfCluster.Engine.History;
using PerfCluster.Engine.Optimisation;
using PerfCluster.Core.Optimisation;
using PerfCluster.Engine.Persistence;
using PerfCluster.Engine.Schedules;
using PerfCluster.Core.Input;
using PerfCluster.Engine.Stores;
using PerfCluster.Engine.Recovery;

namespace PerfCluster.Engine.Tests.Persistence;

/// <summary>Every persisted event and snapshot goes through the JSON serializer under its fixed manifest and comes back equal.</summary>
public class PersistenceSerializerSpecs() : TestKit(TestNodes.Local)
{
    private static readonly BaselineEntry Entry = new("nightly", 2, "Light Load", "benchmark_1764168000",
        DateTimeOffset.Parse("2026-11-26T12:00:00+01:00"), """{"scenario":"Light Load","p95_ms":41.5}""");

    private static readonly RunSummary Summary = new("benchmark_1764168000", "Light Load", DateTimeOffset.Parse("2026-11-26T12:00:00Z"),
        TimeSpan.FromSeconds(90.5), "failed", 12345, 137.2, 0.015, 12.5, 40.25, 81, 3, "regressed", "nightly");

    private static readonly ScheduleDefinition Schedule = new("nightly", "0 2 * * *", "Europe/Berlin", "nightly.conf",
        "name = \"Light Load\"\nduration = 30s\n", "nightly", true, true, DateTimeOffset.Parse("2026-11-26T12:00:00+01:00"),
        DateTimeOffset.Parse("2026-11-27T08:00:00Z"));

    private static readonly ScheduledRun ScheduledRun = new("sched-nightly-20261127-010000", DateTimeOffset.Parse("2026-11-27T01:00:00Z"),
        ScheduledRunOutcomes.Regressed, "Light Load: latency_p95 +35%", DateTimeOffset.Parse("2026-11-27T01:00:42Z"));

    private static IEnumerable<IPersistedPayload> Samples()
    {
        yield return new ScheduleBookEvents.ScheduleCreated(Schedule);
        yield return new ScheduleBookEvents.ScheduleCreated(Schedule with { Baseline = null, EnabledAt = null });
        yield return new ScheduleBookEvents.ScheduleDeleted("nightly", DateTimeOffset.Parse("2026-11-28T00:00:00Z"));
        yield return new ScheduleBookEvents.ScheduleEnabledChanged("nightly", false, DateTimeOffset.Parse("2026-11-28T00:00:00Z"));
        yield return new ScheduleBookEvents.ScheduledRunRecorded("nightly", ScheduledRun);
        yield return new ScheduleBookEvents.ScheduleRunRequested("nightly", DateTimeOffset.Parse("2026-11-26T12:30:00Z"));
        yield return new ScheduleBookEvents.ScheduledRunRecorded("nightly", ScheduledRun with { Outcome = ScheduledRunOutcomes.Running, Detail = null, FinishedAt = null });
        yield return new ScheduleBookSnapshot([new ScheduleEntry(Schedule, ScheduledRun), new ScheduleEntry(Schedule with { Name = "smoke", Webhook = new Uri("http://127.0.0.1:9/hook") }, null, DateTimeOffset.Parse("2026-11-26T12:30:00Z"))]);
        yield return new BaselineEvents.BaselineRecorded(Entry);
        yield return new BaselineEvents.BaselineRemoved("nightly", DateTimeOffset.Parse("2026-11-27T00:00:00Z"));
        yield return new BaselineLibrarySnapshot([Entry, Entry with { Name = "smoke", Version = 1 }], new Dictionary<string, int> { ["nightly"] = 4, ["smoke"] = 1 });
        yield return new RunHistoryEvents.RunRecorded(Summary);
        yield return new RunHistoryEvents.RunRecorded(Summary with { RegressionOutcome = null, BaselineName = null });
        yield return new RunHistoryEvents.RunIdClaimed("benchmark_1796286520-2", DateTimeOffset.Parse("2026-12-03T08:28:45Z"));
        yield return new RunHistorySnapshot([Summary, Summary with { RunId = "r2" }]);
        yield return new RunHistorySnapshot([Summary]) { Claimed = ["benchmark_1796286520", "benchmark_1796286520-2"] };
        yield return new RunTimelineEvents.WindowRecorded("benchmark_1-1", "gate", Window);
        yield return new RunCheckpointsEvents.RunBegun("run-1", JournalScenario, DateTimeOffset.Parse("2026-11-26T12:00:00Z"),
            "akka.tcp://perfcluster@127.0.0.1:4053/user/listener-run-1", 2, DateTimeOffset.Parse("2026-11-26T11:59:59.5Z"));
        yield return new RunCheckpointsEvents.DeltasMerged("run-1", [JournalDelta], DateTimeOffset.Parse("2026-11-26T12:00:03Z"));
        yield return new RunCheckpointsEvents.RunNoted("run-1", "worker n2 was lost", DateTimeOffset.Parse("2026-11-26T12:00:04Z"));
        yield return new RunCheckpointsEvents.RowsLeased("run-1", "users", 4096, DateTimeOffset.Parse("2026-11-26T12:00:05Z"));
        yield return new RunCheckpointsEvents.RunStopped("run-1", "interrupted", false, DateTimeOffset.Parse("2026-11-26T12:00:05Z"));
        yield return new RunCheckpointsEvents.RunOpened("run-1");
        yield return new RunCheckpointsEvents.RunClosed("run-1");
        yield return new OpenRunsSnapshot(["run-1", "run-2"]);
        yield return new StudyJournalEvents.StudyBegun("tuning", "0123456789abcdef", DateTimeOffset.Parse("2026-12-04T10:00:00Z"));
        yield return new StudyJournalEvents.TrialRecorded("tuning", Trial);
        yield return new StudyJournalEvents.TrialRecorded("tuning", Trial with { Status = TrialStatuses.Failed, Reason = "apply: HTTP 500", Metrics = new Dictionary<string, double?>() });
    }

    private static readonly TrialRecord Trial = new(3, TrialKinds.Search, [0.25, 1, 0], new Dictionary<string, string> { ["pool"] = "26", ["compression"] = "true" },
        new Dictionary<string, double?> { ["throughput"] = 812.5, ["p95"] = 0.0123, ["error_rate"] = 0, ["cpu_usage"] = null }, TrialStatuses.Completed, null,
        "optimize_1796390000~t3", DateTimeOffset.Parse("2026-12-04T10:01:00Z"), DateTimeOffset.Parse("2026-12-04T10:01:07Z"));

    private static readonly ScenarioDefinition JournalScenario = new()
    {
        Name = "Light Load",
        Target = new Uri("http://127.0.0.1:8000/"),
        Load = new ClosedLoad(10, TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(12), new ThinkTime(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(200)), TimeSpan.FromSeconds(30)),
        Endpoints = [new EndpointDefinition { Name = "projects", Path = "/api/v1/projects", Weight = 0.4 }],
        Thresholds = [new ThresholdDefinition("p95 < 2s", null, new SourcePosition("light.conf", 40, 3))],
    };

    private static readonly MetricsDelta JournalDelta = new("run-1", "akka.tcp://perfcluster@127.0.0.1:4054", 7, 2,
        [new EndpointDelta("projects", Latency.Encode(OneSample()), [0, 1, 0, 0, 2, 0, 0])], 5, new GeneratorSample(0.25, 123_456_789, 2, 3), false);

    private static HdrHistogram.LongHistogram OneSample()
    {
        var h = Latency.NewHistogram();
        h.RecordValue(1234);
        return h;
    }

    private static readonly WindowStatistics Window = new(
        3, 950, 2, 950, 8, new LatencySummary(0.004, 0.008, 0.002, 0.0079, 0.010, 0.011, 0.016, 0.020, 0.35),
        new Dictionary<string, long> { ["/a"] = 600, ["/b"] = 350 })
    {
        Nodes = [new NodeWindow("akka.tcp://perfcluster@127.0.0.1:1", 0.3, 160_000_000, new NodeResources(12_000_000, 3, 1, 0, 0.0004, 6, 0, 70_000, 70_000, 7)) { ProcessorCount = 2 }],
    };

    [Fact]
    public void Should_store_a_journal_scenario_in_its_written_form_and_read_rows_of_the_record_form_stored_before()
    {
        var begun = new RunCheckpointsEvents.RunBegun("run-1", JournalScenario, DateTimeOffset.Parse("2026-11-26T12:00:00Z"), "listener", 2,
            DateTimeOffset.Parse("2026-11-26T11:59:59.5Z"));
        var serializer = (PersistenceSerializer)Sys.Serialization.FindSerializerFor(begun);
        // What earlier versions stored: the scenario record's own shape, camelCase.
        var legacy = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(begun, new System.Text.Json.JsonSerializerOptions
        {
            PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase,
            NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        });

        var stored = System.Text.Json.JsonDocument.Parse(serializer.ToBinary(begun)).RootElement.GetProperty("scenario");
        var old = (RunCheckpointsEvents.RunBegun)serializer.FromBinary(legacy, "run-begun");

        Assert.Equal(ScenarioJson.Write(JournalScenario, indented: false), stored.GetRawText());
        Assert.Equal(JournalScenario.Load, old.Scenario.Load);
        Assert.Equal(JournalScenario.Thresholds.Single(), old.Scenario.Thresholds.Single());
    }

    [Fact]
    public void Should_have_a_manifest_and_a_sample_for_every_persisted_type()
    {
        var types = typeof(IPersistedPayload).Assembly.GetTypes()
            .Where(t => typeof(IPersistedPayload).IsAssignableFrom(t) && !t.IsInterface && !t.IsAbstract)
            .OrderBy(t => t.FullName).ToList();

        Assert.Equal(types, PersistenceSerializer.Manifests.Keys.OrderBy(t => t.FullName));
        Assert.Equal(types, Samples().Select(s => s.GetType()).Distinct().OrderBy(t => t.FullName));
    }

    [Fact]
    public void Should_round_trip_every_persisted_type_through_the_bound_serializer()
    {
        foreach (var sample in Samples())
        {
            var serializer = Sys.Serialization.FindSerializerFor(sample);
            Assert.IsType<PersistenceSerializer>(serializer);
            var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, sample);

            var back = Sys.Serialization.Deserialize(serializer.ToBinary(sample), serializer.Identifier, manifest);

            switch (sample)
            {
                case BaselineLibrarySnapshot s:
                    var b = Assert.IsType<BaselineLibrarySnapshot>(back);
                    Assert.Equal(s.Entries, b.Entries);
                    Assert.Equal(s.HighestVersions, b.HighestVersions);
                    break;
                case ScheduleBookSnapshot s:
                    Assert.Equal(s.Schedules, Assert.IsType<ScheduleBookSnapshot>(back).Schedules);
                    break;
                case RunHistorySnapshot s:
                    var h = Assert.IsType<RunHistorySnapshot>(back);
                    Assert.Equal(s.Runs, h.Runs);
                    Assert.Equal(s.Claimed ?? [], h.Claimed ?? []);
                    break;
                case StudyJournalEvents.TrialRecorded t:
                    var tr = Assert.IsType<StudyJournalEvents.TrialRecorded>(back).Trial;
                    Assert.Equal(t.Trial.Point, tr.Point);
                    Assert.Equal(t.Trial.Parameters, tr.Parameters);
                    Assert.Equal(t.Trial.Metrics, tr.Metrics);
                    Assert.Equal(t.Trial with { Point = tr.Point, Parameters = tr.Parameters, Metrics = tr.Metrics }, tr);
                    break;
                case RunTimelineEvents.WindowRecorded w:
                    var r = Assert.IsType<RunTimelineEvents.WindowRecorded>(back);
                    Assert.Equal((w.RunId, w.Scenario, w.Window.Second, w.Window.Requests, w.Window.Latency), (r.RunId, r.Scenario, r.Window.Second, r.Window.Requests, r.Window.Latency));
                    Assert.Equal(w.Window.RequestsByEndpoint, r.Window.RequestsByEndpoint);
                    Assert.Equal(w.Window.Nodes, r.Window.Nodes);
                    break;
                case RunCheckpointsEvents.RunBegun begun:
                    var rb = Assert.IsType<RunCheckpointsEvents.RunBegun>(back);
                    Assert.Equal((begun.RunId, begun.StartAt, begun.Listener, begun.MinWorkers, begun.At), (rb.RunId, rb.StartAt, rb.Listener, rb.MinWorkers, rb.At));
                    Assert.Equal((begun.Scenario.Name, begun.Scenario.Target, begun.Scenario.Load), (rb.Scenario.Name, rb.Scenario.Target, rb.Scenario.Load));
                    Assert.Equal(begun.Scenario.Endpoints.Single().Path, rb.Scenario.Endpoints.Single().Path);
                    Assert.Equal(begun.Scenario.Thresholds.Single().Expression, rb.Scenario.Thresholds.Single().Expression);
                    break;
                case RunCheckpointsEvents.DeltasMerged merged:
                    var rm = Assert.IsType<RunCheckpointsEvents.DeltasMerged>(back);
                    var (d, e) = (merged.Deltas.Single(), rm.Deltas.Single());
                    Assert.Equal((d.RunId, d.Node, d.Seq, d.Second, d.ActiveUsers, d.Generator, d.Final), (e.RunId, e.Node, e.Seq, e.Second, e.ActiveUsers, e.Generator, e.Final));
                    Assert.Equal(d.Endpoints.Single().Histogram, e.Endpoints.Single().Histogram);
                    Assert.Equal(d.Endpoints.Single().ErrorsByKind, e.Endpoints.Single().ErrorsByKind);
                    Assert.Equal(merged.At, rm.At);
                    break;
                case OpenRunsSnapshot ledger:
                    Assert.Equal(ledger.Open, Assert.IsType<OpenRunsSnapshot>(back).Open);
                    break;
                default:
                    Assert.Equal(sample, back);
                    break;
            }
        }
    }

    [Fact]
    public void Should_write_camel_case_json_under_a_short_manifest()
    {
        var evt = new RunHistoryEvents.RunRecorded(Summary);
        var serializer = (PersistenceSerializer)Sys.Serialization.FindSerializerFor(evt);

        var json = Encoding.UTF8.GetString(serializer.ToBinary(evt));

        Assert.Equal("run-recorded", serializer.Manifest(evt));
        Assert.Equal(PersistenceSerializer.Id, serializer.Identifier);
        Assert.StartsWith("""{"summary":{"runId":"benchmark_1764168000","scenario":"Light Load","startedAt":"2026-11-26T12:00:00+00:00","duration":"00:01:30.5000000",""", json);
    }

    [Fact]
    public void Should_refuse_an_unknown_manifest()
    {
        var serializer = (PersistenceSerializer)Sys.Serialization.FindSerializerForType(typeof(IPersistedPayload));

        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary("{}"u8.ToArray(), "System.Object"));
    }
}
