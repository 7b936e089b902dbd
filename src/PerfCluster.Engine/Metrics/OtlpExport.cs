using System.Diagnostics.Metrics;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Scenarios;

namespace PerfCluster.Engine.Metrics;

/// <summary>
/// A run's metrics exported over OTLP to the user's collector (<c>outputs { otlp { ... } }</c>), through the
/// OpenTelemetry .NET SDK: each worker node's merged per-second deltas as they reach the run's aggregator (duplicates
/// already dropped, warm-up left out as the report leaves it out), recorded into OpenTelemetry instruments that the
/// SDK's periodic reader exports every <see cref="OtlpOutput.Interval"/> and once more when the run ends.
/// <list type="bullet">
/// <item><c>perfcluster.requests</c> (counter): requests, by step and node;</item>
/// <item><c>perfcluster.errors</c> (counter): failed requests, by step, node and <c>error.kind</c>;</item>
/// <item><c>perfcluster.latency</c> (histogram, seconds): every request's latency, by step and node;</item>
/// <item><c>perfcluster.iterations</c> (counter): journeys' flow iterations by flow, node and <c>outcome</c>;</item>
/// <item><c>perfcluster.checks</c> (counter): named checks by check, node and <c>outcome</c>;</item>
/// <item><c>perfcluster.users</c> (gauge): each node's active users.</item>
/// </list>
/// Every point carries <c>perfcluster.run_id</c> and <c>perfcluster.scenario</c>; the resource is <c>service.name = perfcluster</c>.
/// </summary>
public sealed class OtlpExport : IDisposable
{
    /// <summary>Histogram bucket bounds in seconds: 100 µs to 60 s, about three per decade.</summary>
    public static readonly double[] LatencyBuckets =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private readonly Meter _meter;
    private readonly MeterProvider _provider;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _errors;
    private readonly Histogram<double> _latency;
    private readonly Counter<long> _iterations;
    private readonly Counter<long> _checks;
    private readonly Dictionary<string, int> _users = new(StringComparer.Ordinal);
    private readonly KeyValuePair<string, object?>[] _run;
    private readonly long _firstSecond;
    private readonly HashSet<string> _flows;

    public OtlpExport(string runId, ScenarioDefinition scenario, OtlpOutput output)
    {
        _run = [new("perfcluster.run_id", runId), new("perfcluster.scenario", scenario.Name)];
        _firstSecond = (long)Math.Ceiling(scenario.WarmUp.TotalSeconds);
        _flows = scenario.Journey?.Flows.Select(f => f.Name).ToHashSet(StringComparer.Ordinal) ?? [];
        // One meter per run: two runs on one coordinator export apart, and a finished run's instruments go with it.
        _meter = new Meter($"PerfCluster.Run.{runId}");
        _requests = _meter.CreateCounter<long>("perfcluster.requests", "{request}", "Requests completed");
        _errors = _meter.CreateCounter<long>("perfcluster.errors", "{request}", "Requests that failed, by error kind");
        _latency = _meter.CreateHistogram<double>("perfcluster.latency", "s", "Request latency (open model: from the intended start)");
        _iterations = _meter.CreateCounter<long>("perfcluster.iterations", "{iteration}", "Flow iterations, by outcome");
        _checks = _meter.CreateCounter<long>("perfcluster.checks", "{check}", "Named checks, by outcome");
        _meter.CreateObservableGauge("perfcluster.users", ObserveUsers, "{user}", "Active virtual users per node");

        var temporality = output.Delta ? MetricReaderTemporalityPreference.Delta : MetricReaderTemporalityPreference.Cumulative;
        _provider = Sdk.CreateMeterProviderBuilder()
            .ConfigureResource(r => r.AddService("perfcluster").AddAttributes([new("perfcluster.run_id", runId)]))
            .AddMeter(_meter.Name)
            .AddView("perfcluster.latency", new ExplicitBucketHistogramConfiguration { Boundaries = LatencyBuckets })
            .AddOtlpExporter((exporter, reader) =>
            {
                exporter.Protocol = output.Protocol == OtlpProtocol.Grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
                // OTLP/HTTP posts metrics to /v1/metrics; an endpoint given as the collector's base address gets it appended.
                exporter.Endpoint = output.Protocol == OtlpProtocol.HttpProtobuf && output.Endpoint.AbsolutePath is "" or "/"
                    ? new Uri(output.Endpoint, "v1/metrics")
                    : output.Endpoint;
                if (output.Headers.Count > 0) exporter.Headers = string.Join(",", output.Headers.Select(h => $"{h.Key}={h.Value}"));
                exporter.TimeoutMilliseconds = 10_000;
                reader.TemporalityPreference = temporality;
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)output.Interval.TotalMilliseconds;
            })
            .Build()!;
    }

    /// <summary>One node's delta, merged once by the aggregator.</summary>
    public void Add(MetricsDelta delta)
    {
        lock (_users) _users[delta.Node] = delta.Final ? 0 : delta.ActiveUsers;
        if (delta.Second < _firstSecond) return;
        var node = new KeyValuePair<string, object?>("perfcluster.node", delta.Node);
        foreach (var e in delta.Endpoints)
        {
            var histogram = Latency.Decode(e.Histogram);
            var count = histogram.TotalCount;
            if (count == 0 && e.ErrorsByKind.All(n => n == 0)) continue;
            var step = new KeyValuePair<string, object?>("perfcluster.step", e.Endpoint);
            if (count > 0) _requests.Add(count, _run[0], _run[1], step, node);
            for (var kind = 0; kind < e.ErrorsByKind.Length && kind < ErrorKinds.Count; kind++)
                if (e.ErrorsByKind[kind] > 0)
                    _errors.Add(e.ErrorsByKind[kind], _run[0], _run[1], step, node, new("error.kind", ((ErrorKind)kind).Key()));
            // Every recorded value (microseconds) as often as it was recorded: the histogram's counts stay exact.
            foreach (var value in histogram.RecordedValues())
            {
                var seconds = value.ValueIteratedTo / 1e6;
                for (var i = 0L; i < value.CountAtValueIteratedTo; i++) _latency.Record(seconds, _run[0], _run[1], step, node);
            }
        }
        foreach (var t in delta.Timings)
        {
            if (t.Group || !_flows.Contains(t.Name)) continue;
            var flow = new KeyValuePair<string, object?>("perfcluster.flow", t.Name);
            if (t.Completed > 0) _iterations.Add(t.Completed, _run[0], _run[1], flow, node, new("outcome", "completed"));
            if (t.Failed > 0) _iterations.Add(t.Failed, _run[0], _run[1], flow, node, new("outcome", "failed"));
        }
        foreach (var c in delta.Checks)
        {
            var check = new KeyValuePair<string, object?>("perfcluster.check", c.Name);
            if (c.Passes > 0) _checks.Add(c.Passes, _run[0], _run[1], check, node, new("outcome", "pass"));
            if (c.Failures > 0) _checks.Add(c.Failures, _run[0], _run[1], check, node, new("outcome", "fail"));
        }
    }

    private IEnumerable<Measurement<int>> ObserveUsers()
    {
        lock (_users)
            return _users.Select(u => new Measurement<int>(u.Value, _run[0], _run[1], new("perfcluster.node", u.Key))).ToList();
    }

    /// <summary>Exports what is left (at most <paramref name="timeout"/>), then stops.</summary>
    public bool Flush(TimeSpan timeout) => _provider.ForceFlush((int)timeout.TotalMilliseconds);

    public void Dispose()
    {
        _provider.Dispose();
        _meter.Dispose();
    }
}
