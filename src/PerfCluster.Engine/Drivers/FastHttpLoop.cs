using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using PerfCluster.Core.Metrics;
using static PerfCluster.Engine.Drivers.FastHttpNative;

namespace PerfCluster.Engine.Drivers;

/// <summary>
/// One event-loop thread of the fast engine, in the manner of wrk: an edge-triggered epoll set over
/// its connections' non-blocking sockets. It connects, writes requests, reads and parses responses and
/// completes requests on its own thread, so a caller that continues inline (an async loop awaiting
/// <see cref="FastHttpDriver.ExecuteAsync(int, long?, CancellationToken)"/>) sends its next request
/// from here, with no thread hop and no thread-pool work item per request. Requests from other
/// threads, aborts and DNS results arrive through a queue and an eventfd wake-up.
/// </summary>
internal sealed class FastHttpLoop
{
    private enum Work : byte { Start, Resume, Abort }

    [ThreadStatic] private static FastHttpLoop? _current;

    private const ulong WakeData = ulong.MaxValue;
    private const int MaxEvents = 256;
    /// <summary>Reads of one connection per turn: a large body cannot starve the others.</summary>
    private const int MaxReadsPerTurn = 16;
    /// <summary>Work items taken from other threads per turn.</summary>
    private const int MaxPostedPerTurn = 4096;
    private const uint SocketEvents = EpollIn | EpollOut | EpollRdHup | EpollEt;
    private const uint ReadEvents = EpollIn | EpollRdHup | EpollHup | EpollErr;
    private const uint ConnectEvents = EpollOut | EpollHup | EpollErr;
    private const uint HangUpEvents = EpollRdHup | EpollHup | EpollErr;

    private static readonly byte[] One = BitConverter.GetBytes(1UL);

    private readonly FastHttpDriver _driver;
    private readonly FdHandle _epoll;
    private readonly FdHandle _wake;
    private readonly byte[] _events = new byte[MaxEvents * EventSize];
    private readonly byte[] _wakeScratch = new byte[8];
    private readonly ConcurrentQueue<(FastHttpConnection Conn, Work Work)> _posted = new();
    /// <summary>Requests that ended while being started on this thread: signalled next turn, so a caller that loops on failures cannot recurse.</summary>
    private readonly Queue<FastHttpConnection> _deferred = new();
    private readonly Queue<FastHttpConnection> _readAgain = new();
    private readonly object _postGate = new();
    private int _wakePending;
    private bool _exited;
    private volatile bool _stopping;
    private int _starting;

    public FastHttpLoop(FastHttpDriver driver, int index)
    {
        _driver = driver;
        Index = index;
        _epoll = CreateEpoll();
        _wake = CreateEventFd();
        var errno = Register(_epoll, _wake, EpollIn | EpollEt, WakeData);
        if (errno != 0)
        {
            _epoll.Dispose();
            _wake.Dispose();
            throw new IOException($"epoll_ctl failed (errno {errno})");
        }
        new Thread(Run) { IsBackground = true, Name = $"fast-http loop {index}" }.UnsafeStart();
    }

    public int Index { get; }

    /// <summary>The loop of this driver running on the calling thread, if any.</summary>
    public static FastHttpLoop? CurrentOf(FastHttpDriver driver) => _current is { } loop && loop._driver == driver ? loop : null;

    /// <summary>Starts the request prepared on <paramref name="conn"/>: here when called on the loop's thread, else through the queue.</summary>
    public void Start(FastHttpConnection conn)
    {
        if (_current == this)
        {
            _starting++;
            try
            {
                Begin(conn);
            }
            catch (Exception)
            {
                Fail(conn, ErrorKind.Other);
            }
            finally
            {
                _starting--;
            }
        }
        else if (!Post(conn, Work.Start))
        {
            // The loop has shut down (the driver was disposed): the request never starts.
            Interlocked.Exchange(ref conn.State, FastHttpConnection.Idle);
            conn.AbortedBy = FastHttpConnection.Disposed;
            conn.EndTimestamp = Stopwatch.GetTimestamp();
            conn.Signal();
        }
    }

    public void PostAbort(FastHttpConnection conn) => Post(conn, Work.Abort);

    /// <summary>Ends the loop once the work already queued is done; requests still in flight end as disposed.</summary>
    public void Stop()
    {
        _stopping = true;
        Wake();
    }

    private bool Post(FastHttpConnection conn, Work work)
    {
        lock (_postGate)
        {
            if (_exited) return false;
            _posted.Enqueue((conn, work));
        }
        if (Interlocked.Exchange(ref _wakePending, 1) == 0) Wake();
        return true;
    }

    private void Wake()
    {
        try
        {
            Signal(_wake, One);
        }
        catch (ObjectDisposedException)
        {
            // The loop has already exited.
        }
    }

    private void Run()
    {
        _current = this;
        try
        {
            while (!_stopping)
            {
                var busy = _deferred.Count > 0 || _readAgain.Count > 0 || !_posted.IsEmpty;
                var n = Wait(_epoll, _events, MaxEvents, busy ? 0 : -1);
                for (var i = 0; i < n; i++)
                {
                    var data = DataAt(_events, i);
                    if (data == WakeData) Drain(_wake, _wakeScratch);
                    else OnEvent(data, EventsAt(_events, i));
                }
                Interlocked.Exchange(ref _wakePending, 0);
                RunPosted();
                RunReadAgain();
                RunDeferred();
            }
        }
        finally
        {
            Shutdown();
        }
    }

    private void OnEvent(ulong data, uint events)
    {
        var conn = _driver.ConnectionAt((int)(uint)data);
        if (conn is null || conn.Loop != this || conn.Socket is null || conn.Generation != (uint)(data >> 32)) return;
        if (!conn.Active)
        {
            // The peer closed an idle connection, or sent what was not asked for.
            if ((events & ReadEvents) != 0) conn.Stale = true;
            return;
        }
        try
        {
            if (AbortedMidway(conn)) return;
            switch (conn.Phase)
            {
                case FastHttpConnection.Phases.Connecting:
                    if ((events & ConnectEvents) == 0) return;
                    var error = PendingError(conn.Socket.SafeHandle);
                    if (error != 0)
                    {
                        ConnectFailed(conn, error);
                        return;
                    }
                    conn.Phase = FastHttpConnection.Phases.Sending;
                    Send(conn);
                    break;
                case FastHttpConnection.Phases.Sending:
                    if ((events & ConnectEvents) != 0) Send(conn);
                    break;
            }
            if (conn.Phase == FastHttpConnection.Phases.Receiving && (events & ReadEvents) != 0)
                Receive(conn, untilDrained: (events & HangUpEvents) != 0);
        }
        catch (Exception)
        {
            Fail(conn, ErrorKind.Other);
        }
    }

    /// <summary>An abort swapped the request's state: finish it as aborted.</summary>
    private bool AbortedMidway(FastHttpConnection conn)
    {
        if (Volatile.Read(ref conn.State) >= FastHttpConnection.Idle) return false;
        Close(conn);
        Finish(conn);
        return true;
    }

    private void Begin(FastHttpConnection conn)
    {
        conn.Active = true;
        conn.Attempt = 0;
        conn.Received = 0;
        conn.Sent = 0;
        conn.Parser.Reset(conn.Request.IsHead, conn.Request.MaxBody);
        if (AbortedMidway(conn)) return;
        if (conn.Socket is not null && conn.Stale) Close(conn);
        if (conn.Socket is null)
        {
            Connect(conn);
            return;
        }
        conn.Phase = FastHttpConnection.Phases.Sending;
        Send(conn);
    }

    private void Connect(FastHttpConnection conn)
    {
        conn.Phase = FastHttpConnection.Phases.Resolving;
        var target = _driver.ResolveTarget();
        if (!target.IsCompleted)
        {
            target.ContinueWith(static (_, c) => ((FastHttpConnection)c!).Loop.Post((FastHttpConnection)c!, Work.Resume), conn,
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return;
        }
        if (!target.IsCompletedSuccessfully || target.Result.Addresses.Length == 0)
        {
            _ = target.Exception;   // observed: a name that does not resolve is an error of this request
            _driver.ForgetTarget(target);
            Fail(conn, ErrorKind.Other);
            return;
        }
        conn.AddressIndex = 0;
        ConnectTo(conn, target.Result);
    }

    private void ConnectTo(FastHttpConnection conn, FastHttpTarget target)
    {
        var address = target.Addresses[conn.AddressIndex];
        Socket socket;
        try
        {
            socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { Blocking = false, NoDelay = true };
        }
        catch (SocketException)
        {
            Fail(conn, ErrorKind.Other);
            return;
        }
        conn.Socket = socket;
        conn.Generation++;
        conn.Phase = FastHttpConnection.Phases.Connecting;
        conn.Target = target;
        _driver.CountConnect();
        var errno = StartConnect(socket.SafeHandle, target.SocketAddresses[conn.AddressIndex]);
        if (errno != 0)
        {
            ConnectFailed(conn, errno);
            return;
        }
        // Registered once the connect is under way (an unconnected socket reports a hang-up); a
        // connection already up is reported at once. EPOLLOUT, or an error, tells when it is up.
        errno = Register(_epoll, socket.SafeHandle, SocketEvents, ((ulong)conn.Generation << 32) | (uint)conn.Slot);
        if (errno != 0) Fail(conn, ErrorKind.Other);
    }

    private void ConnectFailed(FastHttpConnection conn, int errno)
    {
        Close(conn);
        var target = conn.Target!;
        if (conn.AddressIndex + 1 < target.Addresses.Length)
        {
            conn.AddressIndex++;
            ConnectTo(conn, target);
            return;
        }
        _driver.ForgetTarget(target);
        Fail(conn, ErrorOf(errno));
    }

    private void Send(FastHttpConnection conn)
    {
        var bytes = conn.Request.Bytes;
        while (conn.Sent < bytes.Length)
        {
            var n = conn.Socket!.Send(bytes.AsSpan(conn.Sent), SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock) return;
            if (error != SocketError.Success)
            {
                TransportFailed(conn, FastHttpDriver.Classify(error));
                return;
            }
            if (n == 0) return;
            conn.Sent += n;
        }
        conn.Phase = FastHttpConnection.Phases.Receiving;
    }

    /// <summary>
    /// Reads and parses what arrived. A short read normally means the socket is drained (any later
    /// arrival raises a new edge); but when the event also reported a hang-up, the close or error that
    /// follows the data raises no further edge, so reading goes on (<paramref name="untilDrained"/>)
    /// until the socket says so.
    /// </summary>
    private void Receive(FastHttpConnection conn, bool untilDrained)
    {
        for (var reads = 0; ; reads++)
        {
            if (reads == MaxReadsPerTurn)
            {
                _readAgain.Enqueue(conn);
                return;
            }
            if (conn.End == conn.Buffer.Length && !conn.MakeRoom())
            {
                Fail(conn, ErrorKind.Other);
                return;
            }
            var free = conn.Buffer.Length - conn.End;
            var n = conn.Socket!.Receive(conn.Buffer.AsSpan(conn.End, free), SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock) return;
            if (error != SocketError.Success)
            {
                TransportFailed(conn, FastHttpDriver.Classify(error));
                return;
            }
            if (n == 0)
            {
                if (conn.Parser.CompleteAtEndOfStream()) Succeed(conn, keepAlive: false);
                else TransportFailed(conn, ErrorKind.Reset);
                return;
            }
            conn.Received += n;
            conn.End += n;
            var result = conn.Parser.Parse(conn.Buffer.AsSpan(conn.Start, conn.End - conn.Start), out var consumed);
            conn.Start += consumed;
            if (conn.Start == conn.End)
            {
                conn.Start = conn.End = 0;
                // A body arriving faster than the buffer holds: read it in bigger pieces.
                if (n == free && result == FastHttpParse.NeedMore && conn.Buffer.Length < FastHttpConnection.LargeBuffer)
                    conn.Grow(conn.Buffer.Length * 2);
            }
            switch (result)
            {
                case FastHttpParse.Done:
                    // Bytes beyond the response were never asked for: the connection is not trusted with another request.
                    Succeed(conn, conn.Parser.KeepAlive && conn.Start == conn.End);
                    return;
                case FastHttpParse.Malformed:
                    Fail(conn, ErrorKind.Protocol);
                    return;
                case FastHttpParse.TooLarge:
                    Fail(conn, ErrorKind.TooLarge);
                    return;
            }
            if (n < free && !untilDrained) return;
        }
    }

    /// <summary>
    /// A reset or close before any byte of the response on a connection that already carried one is
    /// most likely the server closing it while idle: the request goes again, once, on a new connection.
    /// </summary>
    private void TransportFailed(FastHttpConnection conn, ErrorKind kind)
    {
        if (kind == ErrorKind.Reset && conn.Received == 0 && conn.Reused && conn.Attempt == 0)
        {
            conn.Attempt++;
            Close(conn);
            conn.Sent = 0;
            conn.Parser.Reset(conn.Request.IsHead, conn.Request.MaxBody);
            Connect(conn);
            return;
        }
        Fail(conn, kind);
    }

    private void Succeed(FastHttpConnection conn, bool keepAlive)
    {
        conn.Completed = true;
        conn.Status = conn.Parser.StatusCode;
        if (keepAlive) conn.Reused = true;
        else Close(conn);
        Finish(conn);
    }

    private void Fail(FastHttpConnection conn, ErrorKind kind)
    {
        if (!conn.Active) return;
        conn.Failure = kind;
        Close(conn);
        Finish(conn);
    }

    private void Finish(FastHttpConnection conn)
    {
        if (!conn.Active) return;
        conn.Active = false;
        conn.Phase = FastHttpConnection.Phases.Idle;
        conn.EndTimestamp = Stopwatch.GetTimestamp();
        var state = Interlocked.Exchange(ref conn.State, FastHttpConnection.Idle);
        if (state < FastHttpConnection.Idle)
        {
            conn.AbortedBy = state;
            Close(conn);
        }
        if (_starting > 0) _deferred.Enqueue(conn);
        else conn.Signal();
    }

    private static void Close(FastHttpConnection conn)
    {
        var socket = conn.Socket;
        if (socket is null) return;
        conn.Socket = null;
        conn.Generation++;
        conn.Start = conn.End = 0;
        conn.Reused = false;
        conn.Stale = false;
        socket.Dispose();
    }

    private static ErrorKind ErrorOf(int errno) => errno switch
    {
        Econnrefused => ErrorKind.Refused,
        Etimedout => ErrorKind.Timeout,
        Econnreset or Econnaborted or Epipe => ErrorKind.Reset,
        _ => ErrorKind.Other,
    };

    private void RunPosted()
    {
        for (var i = 0; i < MaxPostedPerTurn && _posted.TryDequeue(out var item); i++)
        {
            var conn = item.Conn;
            try
            {
                switch (item.Work)
                {
                    case Work.Start:
                        Begin(conn);
                        break;
                    case Work.Resume:
                        if (conn.Active && conn.Phase == FastHttpConnection.Phases.Resolving && !AbortedMidway(conn)) Connect(conn);
                        break;
                    case Work.Abort:
                        if (conn.Active) AbortedMidway(conn);
                        break;
                }
            }
            catch (Exception)
            {
                Fail(conn, ErrorKind.Other);
            }
        }
    }

    private void RunReadAgain()
    {
        for (var count = _readAgain.Count; count > 0; count--)
        {
            var conn = _readAgain.Dequeue();
            if (!conn.Active || conn.Phase != FastHttpConnection.Phases.Receiving) continue;
            try
            {
                if (!AbortedMidway(conn)) Receive(conn, untilDrained: true);
            }
            catch (Exception)
            {
                Fail(conn, ErrorKind.Other);
            }
        }
    }

    private void RunDeferred()
    {
        for (var count = _deferred.Count; count > 0; count--) _deferred.Dequeue().Signal();
    }

    private void Shutdown()
    {
        lock (_postGate) _exited = true;
        try
        {
            RunPosted();
            foreach (var conn in _driver.ConnectionsOf(this))
            {
                if (conn.Active)
                {
                    conn.Abort(FastHttpConnection.Disposed);
                    Close(conn);
                    Finish(conn);
                }
                Close(conn);
            }
            while (_deferred.Count > 0) _deferred.Dequeue().Signal();
        }
        finally
        {
            _readAgain.Clear();
            _epoll.Dispose();
            _wake.Dispose();
        }
    }
}
