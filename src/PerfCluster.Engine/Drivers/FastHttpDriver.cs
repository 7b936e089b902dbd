using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Scenarios;

namespace PerfCluster.Engine.Drivers;

/// <summary>
/// A purpose-built HTTP/1.1 client for plain <c>http://</c> targets on Linux, with the semantics of
/// <see cref="HttpDriver"/> at a fraction of its cost per request.
/// <list type="bullet">
/// <item>Each endpoint's request is encoded once into a byte array (<see cref="FastHttpRequest"/>).</item>
/// <item>Each concurrent caller takes a keep-alive connection (a non-blocking <see cref="Socket"/>,
/// NoDelay) from a pool of at most <c>connections</c>; it waits only when all are busy, and those waits
/// are counted (<see cref="ConnectionWaits"/>).</item>
/// <item>Connections belong to event loops (<see cref="FastHttpLoop"/>: epoll, as wrk does) that write
/// requests and parse responses in each connection's own buffer, skipping bodies. A caller that
/// continues inline sends its next request from the loop's thread: no thread-pool hop per request.</item>
/// <item>Latency runs from just before the connection is taken (in the open model, from the intended
/// start) to the last body byte. A timeout costs one field write per request: a periodic scan aborts
/// requests past their deadline.</item>
/// <item>A connection the server closed while idle is noticed from its epoll event and replaced; one
/// that fails before any byte of the next response is retried once on a new connection, as
/// SocketsHttpHandler does.</item>
/// </list>
/// The continuation of <see cref="ExecuteAsync(int, long?, CancellationToken)"/> may run on an event
/// loop's thread: callers must not block there (no waiting on other requests synchronously).
/// </summary>
public sealed class FastHttpDriver : IRequestDriver
{
    private const int MaxWatchedTokens = 64;
    private static readonly Action<object?> AbortOnStop = static c => ((FastHttpConnection)c!).Abort(FastHttpConnection.Stopped);

    private readonly FastHttpRequest[] _requests;
    private readonly EndpointDefinition[] _endpoints;
    private readonly MetricsRecorder _recorder;
    private readonly string _host;
    private readonly int _port;
    private readonly bool _literalHost;
    /// <summary>Request timeout in Stopwatch ticks; <see cref="long.MaxValue"/> when there is none.</summary>
    private readonly long _timeoutTicks;
    private readonly int _max;
    private readonly FastHttpLoop[] _loops;
    private readonly object _gate = new();
    /// <summary>Idle connections, one stack per loop.</summary>
    private readonly FastHttpConnection?[][] _idle;
    private readonly int[] _idleCount;
    private readonly FastHttpConnection?[] _all;
    private readonly Queue<TaskCompletionSource<FastHttpConnection?>> _waiters = new();
    private readonly Timer? _scan;
    /// <summary>Stop tokens whose cancellation aborts the requests under them; see <see cref="Watch"/>.</summary>
    private readonly Dictionary<CancellationToken, CancellationTokenRegistration> _watches = new();
    private CancellationToken _lastWatched;
    private Task<FastHttpTarget>? _target;
    private int _created;
    private int _nextLoop;
    private bool _disposed;
    private long _connectionWaits;
    private long _connects;

    public FastHttpDriver(ScenarioDefinition scenario, MetricsRecorder recorder, int connections)
        : this(scenario, recorder, connections, loops: 0)
    {
    }

    /// <param name="loops">Event loops (threads); 0 picks half the processors, at least one, at most eight.</param>
    internal FastHttpDriver(ScenarioDefinition scenario, MetricsRecorder recorder, int connections, int loops)
    {
        if (Unsupported(scenario) is { } why) throw new ArgumentException($"the fast HTTP engine cannot run this scenario: {why}", nameof(scenario));
        _recorder = recorder;
        _endpoints = scenario.Endpoints.ToArray();
        _requests = _endpoints.Select(e => FastHttpRequest.Encode(scenario.Target, e, scenario.Http.MaxResponseSize)).ToArray();
        _host = scenario.Target.DnsSafeHost;
        _port = scenario.Target.Port;
        if (IPAddress.TryParse(_host, out var literal))
        {
            _literalHost = true;
            _target = Task.FromResult(new FastHttpTarget([literal], _port));
        }
        _max = Math.Max(1, scenario.Http.MaxConnections > 0 ? scenario.Http.MaxConnections : connections);
        _all = new FastHttpConnection?[_max];

        var loopCount = Math.Min(_max, loops > 0 ? loops : Math.Clamp(Environment.ProcessorCount / 2, 1, 8));
        _loops = new FastHttpLoop[loopCount];
        _idle = new FastHttpConnection?[loopCount][];
        _idleCount = new int[loopCount];
        for (var i = 0; i < loopCount; i++) _idle[i] = new FastHttpConnection?[_max];
        try
        {
            for (var i = 0; i < loopCount; i++) _loops[i] = new FastHttpLoop(this, i);
        }
        catch
        {
            foreach (var loop in _loops) loop?.Stop();
            throw;
        }

        var timeout = scenario.Http.Timeout;
        if (timeout <= TimeSpan.Zero || timeout == Timeout.InfiniteTimeSpan || timeout > TimeSpan.FromDays(1))
        {
            _timeoutTicks = long.MaxValue;
        }
        else
        {
            _timeoutTicks = (long)(timeout.TotalSeconds * Stopwatch.Frequency);
            // Timeouts fire within a sixteenth of the timeout (5 ms .. 100 ms) after they are due.
            var period = TimeSpan.FromTicks(Math.Clamp(timeout.Ticks / 16, TimeSpan.TicksPerMillisecond * 5, TimeSpan.TicksPerMillisecond * 100));
            using (ExecutionContext.SuppressFlow())
                _scan = new Timer(static d => ((FastHttpDriver)d!).AbortOverdue(), this, period, period);
        }
    }

    /// <summary>
    /// Why this engine cannot run <paramref name="scenario"/> (not Linux, not http://, an endpoint on
    /// another origin, a header it cannot encode), or null when it can.
    /// </summary>
    public static string? Unsupported(ScenarioDefinition scenario)
    {
        if (scenario.Target.Scheme != Uri.UriSchemeHttp) return $"the target is {scenario.Target.Scheme}://, not http://";
        if (scenario.Http.Version != HttpProtocol.Http11) return "it speaks HTTP/1.1 only (http.version = 2)";
        foreach (var endpoint in scenario.Endpoints)
            if (FastHttpRequest.Unsupported(scenario.Target, endpoint) is { } why) return why;
        if (!FastHttpNative.IsSupported) return "it runs on Linux (x64, arm64) only";
        return null;
    }

    /// <summary>How many requests found every connection busy and waited for one (generator health: should stay 0).</summary>
    public long ConnectionWaits => Interlocked.Read(ref _connectionWaits);

    /// <summary>How many TCP connections were opened, first connections and reconnects alike.</summary>
    public long Connects => Interlocked.Read(ref _connects);

    /// <summary>The most connections this driver opens at once.</summary>
    public int MaxConnections => _max;

    /// <summary>Event-loop threads of this driver.</summary>
    public int EventLoops => _loops.Length;

    /// <summary>A closed-model request: latency from the send.</summary>
    public Task<bool> ExecuteAsync(int endpoint, CancellationToken stop) => ExecuteAsync(endpoint, null, stop);

    public async Task<bool> ExecuteAsync(int endpoint, long? intendedStart, CancellationToken stop)
    {
        var start = Stopwatch.GetTimestamp();
        if (stop.IsCancellationRequested)
        {
            _recorder.RecordAbandoned();
            return false;
        }
        var deadline = _timeoutTicks == long.MaxValue ? long.MaxValue : start + _timeoutTicks;
        var conn = TryRent();
        if (conn is null)
        {
            conn = await WaitForConnectionAsync(deadline, stop).ConfigureAwait(false);
            if (conn is not null && Stopwatch.GetTimestamp() >= deadline)
            {
                // The connection came too late to send within the timeout.
                Release(conn);
                conn = null;
            }
        }
        if (conn is null)
        {
            if (stop.IsCancellationRequested || Volatile.Read(ref _disposed))
            {
                _recorder.RecordAbandoned();
                return false;
            }
            _recorder.Record(endpoint, intendedStart, start, Stopwatch.GetTimestamp(), ErrorKind.Timeout);
            return true;
        }

        conn.Prepare(_requests[endpoint], stop);
        Interlocked.Exchange(ref conn.State, deadline);
        if (Volatile.Read(ref _disposed)) conn.Abort(FastHttpConnection.Disposed);
        var registration = default(CancellationTokenRegistration);
        if (stop.CanBeCanceled)
        {
            if (!Watch(stop)) registration = stop.UnsafeRegister(AbortOnStop, conn);
            else if (stop.IsCancellationRequested) conn.Abort(FastHttpConnection.Stopped);
        }
        var completion = conn.Completion;
        conn.Loop.Start(conn);
        await completion.ConfigureAwait(false);
        registration.Dispose();

        ErrorKind? error;
        if (conn.Completed)
        {
            var status = conn.Status;
            error = _endpoints[endpoint].IsExpected(status) ? null : ErrorKinds.ForStatus(status);
        }
        else if (conn.AbortedBy is FastHttpConnection.Stopped or FastHttpConnection.Disposed)
        {
            Release(conn);
            _recorder.RecordAbandoned();
            return false;
        }
        else
        {
            error = conn.AbortedBy == FastHttpConnection.TimedOut ? ErrorKind.Timeout : conn.Failure ?? ErrorKind.Other;
        }
        var end = conn.EndTimestamp;
        Release(conn);
        _recorder.Record(endpoint, intendedStart, start, end, error);
        return true;
    }

    /// <summary>Maps a socket error to an error kind.</summary>
    internal static ErrorKind Classify(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => ErrorKind.Refused,
        SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown or SocketError.Disconnecting => ErrorKind.Reset,
        SocketError.TimedOut => ErrorKind.Timeout,
        _ => ErrorKind.Other,
    };

    internal FastHttpConnection? ConnectionAt(int slot) =>
        (uint)slot < (uint)_all.Length ? Volatile.Read(ref _all[slot]) : null;

    internal IEnumerable<FastHttpConnection> ConnectionsOf(FastHttpLoop loop)
    {
        var count = Volatile.Read(ref _created);
        for (var i = 0; i < count; i++)
            if (Volatile.Read(ref _all[i]) is { } conn && conn.Loop == loop) yield return conn;
    }

    internal void CountConnect() => Interlocked.Increment(ref _connects);

    /// <summary>The target's addresses: fixed for an IP address, else resolved once and kept until connecting to all of them fails.</summary>
    internal Task<FastHttpTarget> ResolveTarget()
    {
        var target = Volatile.Read(ref _target);
        if (target is not null && !target.IsFaulted && !target.IsCanceled) return target;
        var resolving = ResolveAsync();
        return Interlocked.CompareExchange(ref _target, resolving, target) == target ? resolving : ResolveTarget();
    }

    private async Task<FastHttpTarget> ResolveAsync() =>
        new(await Dns.GetHostAddressesAsync(_host).ConfigureAwait(false), _port);

    internal void ForgetTarget(Task<FastHttpTarget> target)
    {
        if (!_literalHost) Interlocked.CompareExchange(ref _target, null, target);
    }

    internal void ForgetTarget(FastHttpTarget target)
    {
        if (!_literalHost && Volatile.Read(ref _target) is { IsCompletedSuccessfully: true } current && current.Result == target)
            Interlocked.CompareExchange(ref _target, null, current);
    }

    /// <summary>
    /// Makes sure a cancellation of <paramref name="stop"/> aborts every request in flight under it, with
    /// one registration per token for the driver's life instead of one per request (callers of a share
    /// pass the same token). False when too many tokens are watched already: register per request.
    /// </summary>
    private bool Watch(CancellationToken stop)
    {
        if (stop.Equals(_lastWatched)) return true;
        lock (_gate)
        {
            if (_disposed) return false;
            if (!_watches.ContainsKey(stop))
            {
                if (_watches.Count >= MaxWatchedTokens) return false;
                _watches[stop] = stop.UnsafeRegister(static (driver, token) => ((FastHttpDriver)driver!).AbortStopped(token), this);
            }
            _lastWatched = stop;
            return true;
        }
    }

    private void AbortStopped(CancellationToken token)
    {
        var count = Volatile.Read(ref _created);
        for (var i = 0; i < count; i++)
            if (Volatile.Read(ref _all[i]) is { } conn && conn.Stop.Equals(token)) conn.Abort(FastHttpConnection.Stopped);
    }

    private FastHttpConnection? TryRent()
    {
        var preferred = FastHttpLoop.CurrentOf(this)?.Index ?? -1;
        lock (_gate) return RentLocked(preferred);
    }

    /// <summary>An idle connection, of the calling loop when there is one; else a new one, up to the limit.</summary>
    private FastHttpConnection? RentLocked(int preferred)
    {
        if (_disposed) return null;
        if (preferred >= 0 && _idleCount[preferred] > 0) return Pop(preferred);
        for (var i = 0; i < _loops.Length; i++)
            if (_idleCount[i] > 0) return Pop(i);
        if (_created == _max) return null;
        var loop = preferred >= 0 ? preferred : _nextLoop++ % _loops.Length;
        var created = new FastHttpConnection(_created, _loops[loop]);
        Volatile.Write(ref _all[_created], created);
        Volatile.Write(ref _created, _created + 1);
        return created;
    }

    private FastHttpConnection Pop(int loop)
    {
        var count = --_idleCount[loop];
        var conn = _idle[loop][count]!;
        _idle[loop][count] = null;
        return conn;
    }

    /// <summary>Every connection is busy: wait for one until the request's deadline; null on timeout, stop or disposal.</summary>
    private async Task<FastHttpConnection?> WaitForConnectionAsync(long deadline, CancellationToken stop)
    {
        TaskCompletionSource<FastHttpConnection?> waiter;
        lock (_gate)
        {
            if (_disposed) return null;
            if (RentLocked(-1) is { } free) return free;
            waiter = new TaskCompletionSource<FastHttpConnection?>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Enqueue(waiter);
        }
        Interlocked.Increment(ref _connectionWaits);
        try
        {
            var wait = Timeout.InfiniteTimeSpan;
            if (deadline != long.MaxValue)
            {
                var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
                wait = left > TimeSpan.Zero ? left : TimeSpan.Zero;
            }
            return await waiter.Task.WaitAsync(wait, stop).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            if (waiter.TrySetResult(null)) return null;
            // A connection was handed over just as the wait ended: pass it on.
            if (waiter.Task.Result is { } handed) Release(handed);
            return null;
        }
    }

    private void Release(FastHttpConnection conn)
    {
        while (true)
        {
            TaskCompletionSource<FastHttpConnection?> waiter;
            lock (_gate)
            {
                if (_waiters.Count == 0 || _disposed)
                {
                    _idle[conn.Loop.Index][_idleCount[conn.Loop.Index]++] = conn;
                    return;
                }
                waiter = _waiters.Dequeue();
            }
            if (waiter.TrySetResult(conn)) return;
        }
    }

    /// <summary>The timeout scan: aborts every in-flight request past its deadline.</summary>
    private void AbortOverdue()
    {
        var now = Stopwatch.GetTimestamp();
        var count = Volatile.Read(ref _created);
        for (var i = 0; i < count; i++)
        {
            if (Volatile.Read(ref _all[i]) is not { } conn) continue;
            var deadline = Volatile.Read(ref conn.State);
            if (deadline > FastHttpConnection.Idle && now >= deadline) conn.TryAbort(deadline, FastHttpConnection.TimedOut);
        }
    }

    /// <summary>Closes every connection and ends the event loops; requests still in flight end as abandoned.</summary>
    public void Dispose()
    {
        TaskCompletionSource<FastHttpConnection?>[] waiters;
        CancellationTokenRegistration[] watches;
        int count;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            waiters = _waiters.ToArray();
            _waiters.Clear();
            watches = _watches.Values.ToArray();
            _watches.Clear();
            count = _created;
        }
        Interlocked.MemoryBarrier();
        _scan?.Dispose();
        foreach (var watch in watches) watch.Dispose();
        foreach (var waiter in waiters) waiter.TrySetResult(null);
        for (var i = 0; i < count; i++) _all[i]?.Abort(FastHttpConnection.Disposed);
        foreach (var loop in _loops) loop.Stop();
    }
}
