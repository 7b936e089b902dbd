using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using PerfCluster.Core.Coordination;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Hosting;
using static PerfCluster.Engine.Protocol.RunProtocol;
using PerfCluster.Core.Results;

namespace PerfCluster.Engine.Tests.Serialization;

/// <summary>Every message that crosses nodes survives the configured serializer unchanged.</summary>
public class ClusterMessageSerializationSpecs : TestKit
{
    private static readonly Config RemoteConfig = ConfigurationFactory.ParseString("""
        akka.actor.provider = remote
        akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
        """).WithFallback(EngineReference.Config);

    public ClusterMessageSerializationSpecs() : base(RemoteConfig) { }

    /// <summary>
    /// A scenario as a node has it: loaded, then in the one written form a scenario crosses nodes in (so that its
    /// positions are the written form's, as on the receiving node).
    /// </summary>
    private static readonly ScenarioDefinition Scenario = ScenarioJson.Read(ScenarioJson.Write(indented: false, scenario: ScenarioLoader.LoadText(""""
        name = "Light Load"
        description = "wire test"
        target = "http://127.0.0.1:8000/"
        arrival-rate { start = 1, stages = [ { duration = 10s, target = 50 } ] }
        pre-allocated-users = 5
        max-users = 100
        warm-up = 5s
        graceful-stop = 30s
        http { timeout = 10s, max-connections = 8 }
        endpoints = [
          { name = projects, path = "/api/v1/projects", weight = 0.4 }
          { name = generate, method = POST, path = "/api/v1/ai/generate", weight = 0.2, body = """{"prompt":"x"}""",
            headers { Content-Type = "application/json" }, expect-status = [200, 201] }
        ]
        request-patterns { distribution = round-robin }
        thresholds = [ "p95 < 2s", { endpoint = generate, threshold = "p99 < 1s" } ]
        environment-config { required-services = [ { name = db, host = localhost, port = 5432 } ] }
        """", "light.conf").Scenarios.Single()));

    private IEnumerable<IClusterMessage> Samples()
    {
        var h = Latency.NewHistogram();
        h.RecordValue(1234);
        yield return new AssignShare("run-1", Scenario, new UserShare(3, 7), DateTimeOffset.Parse("2026-11-26T15:00:00Z"), TestActor, TestActor);
        yield return new UpdateShare("run-1", new UserShare(0, 5), "worker joined");
        yield return new StopShare("run-1", "interrupted");
        yield return new ReleaseShare("run-1", "akka.tcp://perfcluster@127.0.0.1:4053");
        yield return new ShareReleased("run-1");
        yield return new LeaseRows("run-1", "akka.tcp://perfcluster@127.0.0.1:4053", "users", 64);
        yield return new RowsLeased("run-1", "users", 128, 192);
        yield return new ShareRefused("run-1", "akka.ssl.tcp://perfcluster@127.0.0.1:4053", "scenario 'a' targets 10.0.0.1, which this worker does not send load to");
        yield return new ShareCompleted("run-1", "akka.tcp://perfcluster@127.0.0.1:4053", 42, 5, 1, "coordinator lost");
        yield return new MetricsDelta("run-1", "node", 7, 6, [new EndpointDelta("projects", Latency.Encode(h), [0, 1, 0, 0, 2, 0, 0])], 5,
            new GeneratorSample(0.25, 123_456_789, 2, 3), true)
        {
            Timings = [new TimingDelta("checkout", false, Latency.Encode(h), 4, 1), new TimingDelta("pay", true, Latency.Encode(h), 5, 0)],
            Checks = [new CheckDelta("has_token", 9, 1)],
        };
        yield return new MetricsAck("run-1", "node", 7);
        yield return new WorkerNote("run-1", "akka.tcp://perfcluster@127.0.0.1:4053", "shed 4 of its 20 users");
        var at = DateTimeOffset.Parse("2026-11-26T15:00:00Z");
        var (stats, window) = Statistics(h);
        yield return new StartRun("run-1", Scenario, TestActor, 2);
        yield return new StopRun("run-1", "interrupted");
        yield return new RunStarted("run-1", "Light Load", at, 2);
        yield return new RunProgress("run-1", "Light Load", TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(120), 6, window, stats.Overall) { DroppedIterations = 3 };
        yield return new SharesAssigned("run-1", at, [new WorkerShare("akka.tcp://perfcluster@127.0.0.1:4054", new UserShare(0, 5), 1.5)], "start");
        yield return new RunCompleted("run-1", stats, false, null) { Notes = ["worker lost", "coordinator fail-over"] };
        yield return new RunFailed("run-1", "only 0 of the 2 workers joined");
        yield return new AlertRaised("run-1", "Light Load", "firing", "p95", "critical", "p95 > 1s", 12, 1.5, "p95 1.5 s for 10 s");
        yield return new RunTakenOver("run-1", Scenario, at, TimeSpan.FromSeconds(8.4), "akka.tcp://perfcluster@127.0.0.1:4063");
        yield return GetRunsGoing.Instance;
        yield return new RunsGoing(["run-1", "sched-nightly-20261126-020000"]);
    }

    /// <summary>Statistics as an aggregator makes them: what a run's completion and progress carry.</summary>
    private static (ScenarioStatistics Statistics, WindowStatistics Window) Statistics(HdrHistogram.HistogramBase histogram)
    {
        var windows = new WindowAggregator("Light Load", ["projects"]);
        windows.Accept(new MetricsDelta("run-1", "node", 1, 0, [new EndpointDelta("projects", Latency.Encode(histogram), [0, 1, 0, 0, 2, 0, 0])], 5,
            new GeneratorSample(0.25, 123_456_789, 2, 3), false));
        var window = windows.CloseWindowsBefore(10).Single();
        return (windows.Finish(DateTimeOffset.Parse("2026-11-26T15:00:00Z"), TimeSpan.FromSeconds(10), 5), window);
    }

    [Fact]
    public void Should_have_a_sample_for_every_cluster_message_type()
    {
        var types = typeof(AssignShare).Assembly.GetTypes().Concat(typeof(MetricsDelta).Assembly.GetTypes())
            .Where(t => typeof(IClusterMessage).IsAssignableFrom(t) && !t.IsInterface && !t.IsAbstract)
            .ToHashSet();

        Assert.Equal(types.OrderBy(t => t.FullName), Samples().Select(s => s.GetType()).ToHashSet().OrderBy(t => t.FullName));
    }

    [Fact]
    public void Should_round_trip_every_cluster_message()
    {
        foreach (var message in Samples())
        {
            var serializer = Sys.Serialization.FindSerializerFor(message);
            var bytes = serializer.ToBinary(message);
            var back = serializer.FromBinary(bytes, message.GetType());

            Assert.IsType(message.GetType(), back);
            AssertEquivalent(message, back);
        }
    }

    [Fact]
    public void Should_keep_the_scenario_of_a_share_assignment_intact()
    {
        var assign = (AssignShare)Samples().First();
        var serializer = Sys.Serialization.FindSerializerFor(assign);

        var back = (AssignShare)serializer.FromBinary(serializer.ToBinary(assign), typeof(AssignShare));

        var s = back.Scenario;
        Assert.Equal(ScenarioJson.Write(Scenario), ScenarioJson.Write(s));
        Assert.Equal(Scenario.Load with { Stages = [] }, s.Load with { Stages = [] });
        Assert.Equal(Scenario.Load.Stages, s.Load.Stages);
        Assert.Equal(Scenario.Open! with { Stages = [] }, s.Open! with { Stages = [] });
        Assert.Equal(Scenario.Open!.Stages, s.Open!.Stages);
        Assert.Equal(Scenario.WarmUp, s.WarmUp);
        Assert.Equal(Scenario.Target, s.Target);
        Assert.Equal(Scenario.Distribution, s.Distribution);
        Assert.Equal(Scenario.Http, s.Http);
        Assert.Equal(Scenario.Endpoints[1].Headers["Content-Type"], s.Endpoints[1].Headers["Content-Type"]);
        Assert.Equal(Scenario.Endpoints[1].ExpectedStatus, s.Endpoints[1].ExpectedStatus);
        Assert.Equal(Scenario.Endpoints[1].Body, s.Endpoints[1].Body);
        Assert.Equal(Scenario.Thresholds, s.Thresholds);
        Assert.Equal(Scenario.RequiredServices, s.RequiredServices);
        Assert.Equal(TestActor.Path, back.Aggregator.Path);
        Assert.Equal(assign.StartAt, back.StartAt);
    }

    [Fact]
    public void Should_keep_histogram_bytes_and_counters_of_a_delta()
    {
        var delta = Samples().OfType<MetricsDelta>().Single();
        var serializer = Sys.Serialization.FindSerializerFor(delta);

        var back = (MetricsDelta)serializer.FromBinary(serializer.ToBinary(delta), typeof(MetricsDelta));

        Assert.Equal(delta.Endpoints[0].Histogram, back.Endpoints[0].Histogram);
        Assert.Equal(delta.Endpoints[0].ErrorsByKind, back.Endpoints[0].ErrorsByKind);
        Assert.Equal(1, Latency.Decode(back.Endpoints[0].Histogram).TotalCount);
        Assert.Equal(delta.Generator, back.Generator);
    }

    [Fact]
    public void Should_refuse_to_instantiate_a_type_that_is_not_a_cluster_message()
    {
        var serializer = (Akka.Serialization.SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(new MetricsAck("r", "n", 1));

        Assert.Throws<System.Runtime.Serialization.SerializationException>(() =>
            serializer.FromBinary("{}"u8.ToArray(), "System.IO.FileInfo, System.IO.FileSystem"));
    }

    /// <summary>Records compare by value, but their list members compare by reference: compare their JSON instead.</summary>
    private static void AssertEquivalent(object expected, object actual) =>
        Assert.Equal(Newtonsoft.Json.JsonConvert.SerializeObject(expected, Settings), Newtonsoft.Json.JsonConvert.SerializeObject(actual, Settings));

    private static readonly Newtonsoft.Json.JsonSerializerSettings Settings = new()
    {
        Converters = { new ActorRefPathConverter() },
    };

    private sealed class ActorRefPathConverter : Newtonsoft.Json.JsonConverter<IActorRef>
    {
        public override void WriteJson(Newtonsoft.Json.JsonWriter writer, IActorRef? value, Newtonsoft.Json.JsonSerializer serializer) =>
            writer.WriteValue(value?.Path.ToString());

        public override IActorRef ReadJson(Newtonsoft.Json.JsonReader reader, Type objectType, IActorRef? existingValue, bool hasExistingValue, Newtonsoft.Json.JsonSerializer serializer) =>
            throw new NotSupportedException();
    }
}
