using HdrHistogram;
using PerfCluster.Core.Metrics;

namespace PerfCluster.Core.Results;

/// <summary>
/// Merges every node's deltas into 1-second windows and cumulative per-endpoint totals. Exact by
/// construction: histograms are added, never percentiles; a (node, seq) pair is merged once however
/// often it is delivered. Windows stay open for <see cref="Lateness"/> seconds so late deltas land in
/// the right second; a delta later still is merged into the totals and counted in its closed window.
/// </summary>
public sealed class WindowAggregator
{
    private sealed class Window(long second)
    {
        public readonly long Second = second;
        public readonly LongHistogram Histogram = Metrics.Latency.NewHistogram();
        public long Errors;
        public readonly Dictionary<string, long> RequestsByEndpoint = new();
        public readonly Dictionary<string, int> ActiveUsersByNode = new();
        public readonly Dictionary<string, NodeWindow> Nodes = new();
    }

    private sealed class EndpointTotals(string name)
    {
        public readonly string Name = name;
        public readonly LongHistogram Latency = Metrics.Latency.NewHistogram();
        public LongHistogram? ServiceTime;
        public readonly long[] Errors = new long[ErrorKinds.Count];
        public long RowsRead;
        public long RowsAffected;

        public void Add(HistogramBase latency, HistogramBase? service, long[] errors, long rowsRead = 0, long rowsAffected = 0)
        {
            RowsRead += rowsRead;
            RowsAffected += rowsAffected;
            Latency.Add(latency);
            if (service is not null) (ServiceTime ??= Metrics.Latency.NewHistogram()).Add(service);
            for (var k = 0; k < ErrorKinds.Count && k < errors.Length; k++) Errors[k] += errors[k];
        }
    }

    private sealed class TimingTotals
    {
        public readonly LongHistogram Durations = Metrics.Latency.NewHistogram();
        public long Completed;
        public long Failed;
    }

    private readonly Dictionary<(bool Group, string Name), TimingTotals> _timings = new();
    private readonly List<(bool Group, string Name)> _timingOrder = new();
    private readonly Dictionary<string, (long Passes, long Failures)> _checks = new();
    private readonly List<string> _checkOrder = new();
    private readonly Dictionary<string, (LongHistogram Waits, long Timeouts, long Evictions)> _pools = new();
    private readonly Dictionary<(string Database, string Node), (long Bytes, long Entries)> _poolGauges = new();
    private readonly List<string> _poolOrder = new();
    private readonly Dictionary<(string Module, string Name), TimingTotals> _operations = new();
    private readonly List<(string Module, string Name)> _operationOrder = new();
    private readonly Dictionary<(string Series, string Type), (long Count, string? Sample)> _exceptions = new();
    private readonly List<(string Series, string Type)> _exceptionOrder = new();

    /// <summary>Everything merged from deltas of the warm-up (negative seconds): kept out of every other figure.</summary>
    private EndpointTotals? _warmUp;
    private LongHistogram? _schedulingLag;
    private long _dropped;
    private long _connectionWaits;

    private readonly HashSet<(string Node, long Seq)> _seen = new();
    private readonly SortedDictionary<long, Window> _open = new();
    private readonly List<WindowStatistics> _closed = new();
    private readonly Dictionary<long, int> _closedIndex = new();
    private readonly Dictionary<string, EndpointTotals> _endpoints = new();
    private readonly List<string> _endpointOrder = new();
    private readonly Dictionary<string, double> _cpuByNode = new();
    private readonly Dictionary<string, long> _abandonedByNode = new();
    private readonly Dictionary<string, (long Seq, long Second, long Requests)> _lastByNode = new();
    private readonly Dictionary<string, (long Requests, long Errors, long Deltas)> _byNode = new();
    private readonly List<string> _nodeOrder = new();
    private long _peakWorkingSet;
    private double _gcPause;
    private long _gen2;
    private long _peakHeap;
    private int _peakThreads;
    private long _peakQueue;
    private int _peakSockets;
    private long _networkIn;
    private long _networkOut;
    private int _processorCount = Environment.ProcessorCount;

    public WindowAggregator(string scenario, IEnumerable<string> endpointNames, int lateness = 3)
    {
        Scenario = scenario;
        Lateness = lateness;
        foreach (var name in endpointNames) EndpointFor(name);
    }

    /// <summary>Journeys: every flow, group and check appears in the results, also when it never ran.</summary>
    public WindowAggregator(string scenario, IEnumerable<string> endpointNames, IEnumerable<string> flows, IEnumerable<string> groups,
        IEnumerable<string> checks, int lateness = 3) : this(scenario, endpointNames, lateness)
    {
        foreach (var flow in flows) TimingFor(false, flow);
        foreach (var group in groups) TimingFor(true, group);
        foreach (var check in checks) CheckFor(check);
    }

    private TimingTotals TimingFor(bool group, string name)
    {
        if (!_timings.TryGetValue((group, name), out var totals))
        {
            totals = new TimingTotals();
            _timings[(group, name)] = totals;
            _timingOrder.Add((group, name));
        }
        return totals;
    }

    private void CheckFor(string name)
    {
        if (_checks.ContainsKey(name)) return;
        _checks[name] = (0, 0);
        _checkOrder.Add(name);
    }

    /// <summary>Flows, groups and checks of a delta of the measured period.</summary>
    private void AcceptJourney(MetricsDelta delta)
    {
        foreach (var t in delta.Timings)
        {
            var totals = TimingFor(t.Group, t.Name);
            totals.Durations.Add(Latency.Decode(t.Durations));
            totals.Completed += t.Completed;
            totals.Failed += t.Failed;
        }
        foreach (var p in delta.Pools)
        {
            if (!_pools.TryGetValue(p.Database, out var pool))
            {
                pool = (Latency.NewHistogram(), 0, 0);
                _poolOrder.Add(p.Database);
            }
            pool.Waits.Add(Latency.Decode(p.Waits));
            _pools[p.Database] = (pool.Waits, pool.Timeouts + p.Timeouts, pool.Evictions + p.Evictions);
            if (p.Bytes is { } bytes) _poolGauges[(p.Database, delta.Node)] = (bytes, p.Entries ?? 0);
        }
        foreach (var o in delta.Operations)
        {
            if (!_operations.TryGetValue((o.Module, o.Name), out var totals))
            {
                totals = new TimingTotals();
                _operations[(o.Module, o.Name)] = totals;
                _operationOrder.Add((o.Module, o.Name));
            }
            var durations = Latency.Decode(o.Durations);
            totals.Durations.Add(durations);
            totals.Failed += o.Failed;
            totals.Completed += durations.TotalCount - o.Failed;
        }
        foreach (var e in delta.Exceptions) AddException(e, measured: true);
        foreach (var c in delta.Checks)
        {
            CheckFor(c.Name);
            var (passes, failures) = _checks[c.Name];
            _checks[c.Name] = (passes + c.Passes, failures + c.Failures);
        }
    }

    /// <summary>A module's exceptions of one type: counted in the measured period; the first sample is kept from any period.</summary>
    private void AddException(ExceptionDelta e, bool measured)
    {
        var key = (e.Series, e.Type);
        if (!_exceptions.TryGetValue(key, out var known)) _exceptionOrder.Add(key);
        _exceptions[key] = (known.Count + (measured ? e.Count : 0), known.Sample ?? e.Sample);
    }

    private IReadOnlyList<TimingStatistics> TimingsOf(bool group) => _timingOrder.Where(k => k.Group == group)
        .Select(k => new TimingStatistics(k.Name, _timings[k].Completed, _timings[k].Failed, LatencySummary.From(_timings[k].Durations))).ToList();

    /// <summary>Journeys so far: flows, groups and checks (for live views).</summary>
    public (IReadOnlyList<TimingStatistics> Flows, IReadOnlyList<TimingStatistics> Groups, IReadOnlyList<CheckStatistics> Checks) JourneyTotals() =>
        (TimingsOf(false), TimingsOf(true), _checkOrder.Select(n => new CheckStatistics(n, _checks[n].Passes, _checks[n].Failures)).ToList());

    public string Scenario { get; }
    public int Lateness { get; }
    public long DuplicatesDropped { get; private set; }
    /// <summary>Open-model iterations the workers dropped so far.</summary>
    public long DroppedIterations => _dropped;
    public long LateDeltas { get; private set; }
    public long LatestSecond { get; private set; } = -1;
    public long TotalRequests => _endpoints.Values.Sum(e => e.Latency.TotalCount);

    /// <summary>Merges a delta; returns false (and changes nothing) when it was already merged.</summary>
    public bool Accept(MetricsDelta delta)
    {
        if (!_seen.Add((delta.Node, delta.Seq)))
        {
            DuplicatesDropped++;
            return false;
        }
        _cpuByNode[delta.Node] = _cpuByNode.GetValueOrDefault(delta.Node) + delta.Generator.CpuSeconds;
        var histograms = delta.Endpoints.Select(e => Latency.Decode(e.Histogram)).ToList();   // decoded once
        var deltaRequests = histograms.Sum(h => h.TotalCount);
        var deltaErrors = delta.Endpoints.Sum(e => e.ErrorsByKind.Sum());
        if (!_lastByNode.TryGetValue(delta.Node, out var last) || delta.Seq > last.Seq)
            _lastByNode[delta.Node] = (delta.Seq, delta.Second, deltaRequests);
        if (!_byNode.TryGetValue(delta.Node, out var node)) _nodeOrder.Add(delta.Node);
        _byNode[delta.Node] = (node.Requests + deltaRequests, node.Errors + deltaErrors, node.Deltas + 1);
        _abandonedByNode[delta.Node] = _abandonedByNode.GetValueOrDefault(delta.Node) + delta.Generator.AbandonedInFlight;
        _dropped += delta.Generator.DroppedIterations;
        _connectionWaits += delta.Generator.ConnectionWaits;
        if (delta.Generator.SchedulingLag is { } lag) (_schedulingLag ??= Latency.NewHistogram()).Add(Latency.Decode(lag));
        _peakWorkingSet = Math.Max(_peakWorkingSet, delta.Generator.WorkingSetBytes);
        _processorCount = Math.Max(1, delta.Generator.ProcessorCount);
        if (delta.Generator.Resources is { } r) AddResources(r);
        LatestSecond = Math.Max(LatestSecond, delta.Second);

        if (delta.Second < 0)
        {
            _warmUp ??= new EndpointTotals("warm-up");
            foreach (var e in delta.Exceptions) AddException(e, measured: false);
            for (var j = 0; j < delta.Endpoints.Count; j++)
                _warmUp.Add(histograms[j], delta.Endpoints[j].ServiceTime is { } ws ? Latency.Decode(ws) : null, delta.Endpoints[j].ErrorsByKind);
            return true;
        }

        AcceptJourney(delta);
        _open.TryGetValue(delta.Second, out var window);
        var late = window is null && _closedIndex.ContainsKey(delta.Second);
        if (window is null && !late)
        {
            window = new Window(delta.Second);
            _open[delta.Second] = window;
        }
        if (window is not null)
        {
            window.ActiveUsersByNode[delta.Node] = delta.ActiveUsers;
            window.Nodes[delta.Node] = window.Nodes.TryGetValue(delta.Node, out var earlier)
                ? earlier with { CpuSeconds = earlier.CpuSeconds + delta.Generator.CpuSeconds, WorkingSetBytes = delta.Generator.WorkingSetBytes, Resources = delta.Generator.Resources ?? earlier.Resources }
                : new NodeWindow(delta.Node, delta.Generator.CpuSeconds, delta.Generator.WorkingSetBytes, delta.Generator.Resources)
                {
                    ProcessorCount = Math.Max(1, delta.Generator.ProcessorCount),
                };
        }

        long lateRequests = 0, lateErrors = 0;
        var lateByEndpoint = new Dictionary<string, long>();
        for (var j = 0; j < delta.Endpoints.Count; j++)
        {
            var e = delta.Endpoints[j];
            var histogram = histograms[j];
            EndpointFor(e.Endpoint).Add(histogram, e.ServiceTime is { } st ? Latency.Decode(st) : null, e.ErrorsByKind, e.RowsRead, e.RowsAffected);
            var errors = e.ErrorsByKind.Sum();
            if (window is not null)
            {
                window.Histogram.Add(histogram);
                window.Errors += errors;
                window.RequestsByEndpoint[e.Endpoint] = window.RequestsByEndpoint.GetValueOrDefault(e.Endpoint) + histogram.TotalCount;
            }
            else
            {
                lateRequests += histogram.TotalCount;
                lateErrors += errors;
                lateByEndpoint[e.Endpoint] = lateByEndpoint.GetValueOrDefault(e.Endpoint) + histogram.TotalCount;
            }
        }
        if (late)
        {
            LateDeltas++;
            var i = _closedIndex[delta.Second];
            var w = _closed[i];
            var byEndpoint = new Dictionary<string, long>(w.RequestsByEndpoint);
            foreach (var (endpoint, count) in lateByEndpoint)
                byEndpoint[endpoint] = byEndpoint.GetValueOrDefault(endpoint) + count;
            _closed[i] = w with { Requests = w.Requests + lateRequests, Errors = w.Errors + lateErrors, Throughput = w.Throughput + lateRequests, RequestsByEndpoint = byEndpoint };
        }
        return true;
    }

    /// <summary>The newest delta merged from <paramref name="node"/>: its sequence number, second and request count.</summary>
    public (long Seq, long Second, long Requests)? LastFrom(string node) =>
        _lastByNode.TryGetValue(node, out var last) ? last : null;

    /// <summary>Closes every window older than the lateness allowance and returns the newly closed ones.</summary>
    public IReadOnlyList<WindowStatistics> CloseSettledWindows() => CloseWindowsBefore(LatestSecond - Lateness + 1);

    /// <summary>Closes every open window whose second is below <paramref name="second"/>.</summary>
    public IReadOnlyList<WindowStatistics> CloseWindowsBefore(long second)
    {
        var closed = new List<WindowStatistics>();
        foreach (var s in _open.Keys.Where(s => s < second).ToList())
        {
            var w = _open[s];
            _open.Remove(s);
            var stats = new WindowStatistics(
                Second: w.Second,
                Requests: w.Histogram.TotalCount,
                Errors: w.Errors,
                Throughput: w.Histogram.TotalCount,
                ActiveUsers: w.ActiveUsersByNode.Values.Sum(),
                Latency: LatencySummary.From(w.Histogram),
                RequestsByEndpoint: new Dictionary<string, long>(w.RequestsByEndpoint))
            {
                Nodes = _nodeOrder.Where(w.Nodes.ContainsKey).Select(n => w.Nodes[n]).ToList(),
            };
            _closedIndex[s] = _closed.Count;
            _closed.Add(stats);
            closed.Add(stats);
        }
        return closed;
    }

    /// <summary>Totals so far for one endpoint or (name null) for all of them, over <paramref name="elapsed"/>.</summary>
    public EndpointStatistics Totals(string? endpoint, TimeSpan elapsed)
    {
        if (endpoint is not null) return StatisticsOf(EndpointFor(endpoint), elapsed);
        var all = new EndpointTotals("overall");
        foreach (var e in _endpoints.Values) all.Add(e.Latency, e.ServiceTime, e.Errors, e.RowsRead, e.RowsAffected);
        return StatisticsOf(all, elapsed);
    }

    /// <summary>Closes all windows and produces the scenario's statistics.</summary>
    public ScenarioStatistics Finish(DateTimeOffset startedAt, TimeSpan measuredDuration, int peakUsers, TimeSpan warmUp = default)
    {
        CloseWindowsBefore(long.MaxValue);
        var cpu = _cpuByNode.Values.Sum();
        var seconds = Math.Max(measuredDuration.TotalSeconds, 1e-9);
        var generator = new GeneratorStatistics(
            CpuSeconds: cpu,
            CpuPercentOfOneCore: 100.0 * cpu / seconds,
            CpuPercentOfMachine: 100.0 * cpu / seconds / Math.Max(1, _processorCount * Math.Max(1, _cpuByNode.Count)),
            ProcessorCount: _processorCount,
            PeakWorkingSetBytes: _peakWorkingSet)
        {
            GcPauseSeconds = _gcPause,
            Gen2Collections = _gen2,
            PeakGcHeapBytes = _peakHeap,
            PeakThreadPoolThreads = _peakThreads,
            PeakThreadPoolQueueLength = _peakQueue,
            PeakOpenSockets = _peakSockets,
            NetworkReceivedBytes = _networkIn,
            NetworkSentBytes = _networkOut,
        };
        return new ScenarioStatistics(
            Scenario,
            startedAt,
            measuredDuration,
            Totals(null, measuredDuration),
            _endpointOrder.Select(n => StatisticsOf(_endpoints[n], measuredDuration)).ToList(),
            _closed.OrderBy(w => w.Second).ToList(),
            generator,
            Math.Max(peakUsers, _closed.Count == 0 ? 0 : _closed.Max(w => w.ActiveUsers)),
            _abandonedByNode.Values.Sum())
        {
            DroppedIterations = _dropped,
            ConnectionWaits = _connectionWaits,
            SchedulingLag = _schedulingLag is null ? null : LatencySummary.From(_schedulingLag),
            WarmUp = _warmUp is null ? null : StatisticsOf(_warmUp, warmUp),
            Workers = _nodeOrder.Select(n => new WorkerStatistics(n, _byNode[n].Requests, _byNode[n].Errors,
                _cpuByNode.GetValueOrDefault(n), _byNode[n].Deltas, _lastByNode[n].Second)).ToList(),
            Flows = TimingsOf(false),
            Groups = TimingsOf(true),
            Checks = _checkOrder.Select(n => new CheckStatistics(n, _checks[n].Passes, _checks[n].Failures)).ToList(),
            Pools = PoolTotals(),
            Operations = _operationOrder.Select(k => new OperationStatistics(k.Module, k.Name, _operations[k].Durations.TotalCount, _operations[k].Failed,
                LatencySummary.From(_operations[k].Durations))).ToList(),
            Exceptions = _exceptionOrder.Select(k => new ExceptionStatistics(k.Series, k.Type, _exceptions[k].Count, _exceptions[k].Sample)).ToList(),
        };
    }

    /// <summary>Each database's pool waits so far.</summary>
    public IReadOnlyList<PoolStatistics> PoolTotals() => _poolOrder
        .Select(n =>
        {
            var gauges = _poolGauges.Where(g => g.Key.Database == n).Select(g => g.Value).ToList();
            return new PoolStatistics(n, _pools[n].Waits.TotalCount, _pools[n].Timeouts, LatencySummary.From(_pools[n].Waits))
            {
                Evictions = _pools[n].Evictions,
                Bytes = gauges.Count == 0 ? null : gauges.Sum(g => g.Bytes),
                Entries = gauges.Count == 0 ? null : gauges.Sum(g => g.Entries),
            };
        }).ToList();

    private void AddResources(NodeResources r)
    {
        _gcPause += r.GcPauseSeconds;
        _gen2 += r.Gen2Collections;
        _peakHeap = Math.Max(_peakHeap, r.GcHeapBytes);
        _peakThreads = Math.Max(_peakThreads, r.ThreadPoolThreads);
        _peakQueue = Math.Max(_peakQueue, r.ThreadPoolQueueLength);
        _peakSockets = Math.Max(_peakSockets, r.OpenSockets);
        _networkIn += r.NetworkReceivedBytes;
        _networkOut += r.NetworkSentBytes;
    }

    private EndpointTotals EndpointFor(string name)
    {
        if (!_endpoints.TryGetValue(name, out var totals))
        {
            totals = new EndpointTotals(name);
            _endpoints[name] = totals;
            _endpointOrder.Add(name);
        }
        return totals;
    }

    private static EndpointStatistics StatisticsOf(EndpointTotals t, TimeSpan elapsed)
    {
        var requests = t.Latency.TotalCount;
        var errors = t.Errors.Sum();
        var byKind = ErrorKinds.All.ToDictionary(k => k.Key(), k => t.Errors[(int)k]);
        return new EndpointStatistics(
            t.Name,
            requests,
            errors,
            byKind,
            requests == 0 ? 0 : (double)errors / requests,
            elapsed > TimeSpan.Zero ? requests / elapsed.TotalSeconds : 0,
            LatencySummary.From(t.Latency))
        {
            ServiceTime = t.ServiceTime is null ? null : LatencySummary.From(t.ServiceTime),
            RowsRead = t.RowsRead,
            RowsAffected = t.RowsAffected,
        };
    }
}
