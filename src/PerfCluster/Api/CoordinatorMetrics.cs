using PerfCluster.Core.Metrics;
using Prometheus;
using static PerfCluster.Engine.Protocol.RunProtocol;

namespace PerfCluster.Api;

/// <summary>
/// The coordinator's <c>/metrics</c> in Prometheus text format (prometheus-net, on a registry of its own
/// so two coordinators in one process never share series): runs, requests and errors, throughput,
/// latency quantiles and users of the latest window per scenario, each worker node's CPU, memory, GC
/// heap and sockets, and the alerts firing. Latency is exported as quantile gauges of the latest
/// closed window: the exact distributions stay in the HDR histograms of the report.
/// </summary>
public sealed class CoordinatorMetrics
{
    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private readonly Gauge _runsActive;
    private readonly Counter _runsStarted;
    private readonly Counter _requests;
    private readonly Counter _errors;
    private readonly Gauge _throughput;
    private readonly Gauge _latency;
    private readonly Gauge _users;
    private readonly Gauge _dropped;
    private readonly Gauge _nodeCpu;
    private readonly Gauge _nodeMemory;
    private readonly Gauge _nodeHeap;
    private readonly Gauge _nodeSockets;
    private readonly Gauge _alerts;
    /// <summary>Requests and errors of each run already counted, so the counters follow the run's exact totals.</summary>
    private readonly Dictionary<string, (long Requests, long Errors)> _counted = new();

    public CoordinatorMetrics()
    {
        var f = Metrics.WithCustomRegistry(_registry);
        _runsActive = f.CreateGauge("perfcluster_runs_active", "Runs going on this coordinator.");
        _runsStarted = f.CreateCounter("perfcluster_runs_started_total", "Scenario runs started on this coordinator.");
        _requests = f.CreateCounter("perfcluster_requests_total", "Requests completed, as the runs' totals say.", "scenario");
        _errors = f.CreateCounter("perfcluster_errors_total", "Requests that failed, as the runs' totals say.", "scenario");
        _throughput = f.CreateGauge("perfcluster_throughput_rps", "Requests per second in the latest closed window.", "scenario");
        _latency = f.CreateGauge("perfcluster_latency_seconds", "Latency quantiles of the latest closed window.", "scenario", "quantile");
        _users = f.CreateGauge("perfcluster_active_users", "Users (or iterations in flight) in the latest progress.", "scenario");
        _dropped = f.CreateGauge("perfcluster_dropped_iterations", "Open-model iterations dropped so far in the run.", "scenario");
        _nodeCpu = f.CreateGauge("perfcluster_node_cpu_percent", "A generating node's CPU in the latest window, percent of one core.", "node");
        _nodeMemory = f.CreateGauge("perfcluster_node_working_set_bytes", "A generating node's working set.", "node");
        _nodeHeap = f.CreateGauge("perfcluster_node_gc_heap_bytes", "A generating node's managed heap.", "node");
        _nodeSockets = f.CreateGauge("perfcluster_node_open_sockets", "Sockets a generating node has open.", "node");
        _alerts = f.CreateGauge("perfcluster_alert_firing", "1 while an alert fires, 0 once it resolved.", "scenario", "alert", "severity");
    }

    /// <summary>Takes one event of a run's listener.</summary>
    public void Observe(object message)
    {
        lock (_counted) ObserveLocked(message);
    }

    private void ObserveLocked(object message)
    {
        switch (message)
        {
            case RunStarted:
                _runsStarted.Inc();
                _runsActive.Inc();
                break;
            case RunCompleted done:
                _runsActive.Dec();
                Count(done.RunId, done.Statistics.Scenario, done.Statistics.Overall);
                _counted.Remove(done.RunId);
                // A short run may end before any window was published live: its last measured window stands.
                if (done.Statistics.Timeline.LastOrDefault(w => w.Requests > 0) is { } last) ObserveWindow(done.Statistics.Scenario, last);
                break;
            case RunFailed failed:
                _runsActive.Dec();
                _counted.Remove(failed.RunId);
                break;
            case RunProgress p:
                Count(p.RunId, p.Scenario, p.Totals);
                _users.WithLabels(p.Scenario).Set(p.ActiveUsers);
                _dropped.WithLabels(p.Scenario).Set(p.DroppedIterations);
                if (p.Window is { } w) ObserveWindow(p.Scenario, w);
                break;
            case AlertRaised a:
                _alerts.WithLabels(a.Scenario, a.Name, a.Severity).Set(a.State == "firing" ? 1 : 0);
                break;
        }
    }

    /// <summary>Adds what the run's totals grew by since they were last seen.</summary>
    private void Count(string runId, string scenario, EndpointStatistics totals)
    {
        var (requests, errors) = _counted.GetValueOrDefault(runId);
        if (totals.Requests > requests) _requests.WithLabels(scenario).Inc(totals.Requests - requests);
        if (totals.Errors > errors) _errors.WithLabels(scenario).Inc(totals.Errors - errors);
        _counted[runId] = (Math.Max(requests, totals.Requests), Math.Max(errors, totals.Errors));
    }

    private void ObserveWindow(string scenario, WindowStatistics w)
    {
        _throughput.WithLabels(scenario).Set(w.Throughput);
        if (w.Requests > 0)
        {
            _latency.WithLabels(scenario, "0.5").Set(w.Latency.P50);
            _latency.WithLabels(scenario, "0.95").Set(w.Latency.P95);
            _latency.WithLabels(scenario, "0.99").Set(w.Latency.P99);
            _latency.WithLabels(scenario, "1").Set(w.Latency.Max);
        }
        foreach (var n in w.Nodes)
        {
            _nodeCpu.WithLabels(n.Node).Set(n.CpuPercentOfOneCore);
            _nodeMemory.WithLabels(n.Node).Set(n.WorkingSetBytes);
            if (n.Resources is { } r)
            {
                _nodeHeap.WithLabels(n.Node).Set(r.GcHeapBytes);
                _nodeSockets.WithLabels(n.Node).Set(r.OpenSockets);
            }
        }
    }

    public Task WriteAsync(Stream output, CancellationToken cancel) => _registry.CollectAndExportAsTextAsync(output, cancel);
}
