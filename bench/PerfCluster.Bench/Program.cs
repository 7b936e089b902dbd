using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Results;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine;
using PerfCluster.Engine.Hosting;
using PerfCluster.Engine.Metrics;
using static PerfCluster.Engine.Protocol.RunProtocol;

// How many worker deltas one coordinator merges per second: the pure merge (WindowAggregator) and the
// actor path (MetricsAggregator: mailbox, merge, acknowledgement). Each delta is what one worker sends
// each second for a 3-endpoint scenario at ~2,000 requests/s with realistic latency spread.
const int Endpoints = 3;
const int RequestsPerEndpoint = 700;
var rounds = args.Length > 0 ? int.Parse(args[0]) : 5;

var random = new Random(1);
MetricsDelta MakeDelta(string node, long seq)
{
    var endpoints = new List<EndpointDelta>();
    for (var e = 0; e < Endpoints; e++)
    {
        var h = Latency.NewHistogram();
        for (var i = 0; i < RequestsPerEndpoint; i++) h.RecordValue((long)(2_000 * Math.Exp(random.NextDouble() * 4)));   // 2 ms .. 110 ms
        endpoints.Add(new EndpointDelta($"e{e}", Latency.Encode(h), new long[ErrorKinds.Count]));
    }
    return new MetricsDelta("bench", node, seq, seq, endpoints, 100, new GeneratorSample(0.1, 1, 2), false);
}

// 64 workers × 60 s of deltas, generated once.
var deltas = Enumerable.Range(0, 64).SelectMany(n => Enumerable.Range(0, 60).Select(s => MakeDelta($"w{n}", s))).ToList();
Console.WriteLine($"{deltas.Count} deltas, {deltas.Average(d => d.Endpoints.Sum(e => e.Histogram.Length)):0} bytes of histograms each");

double Median(List<double> xs) { xs.Sort(); return xs[xs.Count / 2]; }

var pure = new List<double>();
for (var r = 0; r < rounds + 1; r++)
{
    var agg = new WindowAggregator("bench", ["e0", "e1", "e2"], lateness: 2);
    var watch = Stopwatch.StartNew();
    foreach (var d in deltas)
    {
        agg.Accept(d);
        agg.CloseSettledWindows();
    }
    watch.Stop();
    if (r > 0) pure.Add(deltas.Count / watch.Elapsed.TotalSeconds);   // round 0 warms up
}

var config = ConfigurationFactory.ParseString("akka.loglevel = ERROR\nakka.actor.provider = local\nakka.actor.inbox.inbox-size = 1000000").WithFallback(EngineReference.Config);
using var system = ActorSystem.Create("bench", config);
var scenario = new ScenarioDefinition
{
    Name = "bench",
    Target = new Uri("http://127.0.0.1:1/"),
    Load = new ClosedLoad(1, TimeSpan.FromMinutes(1), TimeSpan.Zero, ThinkTime.None, TimeSpan.Zero),
    Endpoints = Enumerable.Range(0, Endpoints).Select(e => new EndpointDefinition { Name = $"e{e}", Path = "/" }).ToList(),
};
var actor = new List<double>();
for (var r = 0; r < rounds + 1; r++)
{
    var aggregator = system.ActorOf(MetricsAggregator.Props("bench", scenario, ActorRefs.Nobody, DateTimeOffset.UtcNow, 2));
    var inbox = Inbox.Create(system);
    var watch = Stopwatch.StartNew();
    foreach (var d in deltas) aggregator.Tell(d, inbox.Receiver);
    for (var i = 0; i < deltas.Count; i++) inbox.Receive(TimeSpan.FromSeconds(30));
    watch.Stop();
    if (r > 0) actor.Add(deltas.Count / watch.Elapsed.TotalSeconds);
    system.Stop(aggregator);
}

var p = Median(pure);
var a = Median(actor);
Console.WriteLine($"WindowAggregator.Accept (decode + merge + close windows): {p:0} deltas/s (median of {rounds})");
Console.WriteLine($"MetricsAggregator actor (mailbox + merge + ack):          {a:0} deltas/s (median of {rounds})");
Console.WriteLine($"At one delta per worker per second, one coordinator keeps up with about {a:0} workers.");
Console.WriteLine($"RESULT aggregator_deltas_per_s={p:0} aggregator_actor_deltas_per_s={a:0} endpoints={Endpoints} requests_per_delta={Endpoints * RequestsPerEndpoint}");
