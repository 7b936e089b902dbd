using System.Net.Sockets;
using System.Threading.Tasks.Sources;
using PerfCluster.Core.Metrics;

namespace PerfCluster.Engine.Drivers;

/// <summary>
/// One slot of <see cref="FastHttpDriver"/>'s pool: a keep-alive socket (null until connected, and
/// again after a close), its receive buffer and response parser, bound to one event loop.
/// <para>
/// Ownership: the caller that rented the slot fills in the request and hands the slot to its loop;
/// from then until completion only that loop touches the socket, buffer and outcome; completion hands
/// the slot back (<see cref="Completion"/>). <see cref="State"/> is the only field other threads write:
/// the in-flight request's deadline (a Stopwatch timestamp), 0 when idle, or the negative reason an
/// abort (timeout scan, stop, disposal) swapped in; the loop then finishes the request as aborted.
/// </para>
/// </summary>
internal sealed class FastHttpConnection(int slot, FastHttpLoop loop) : IValueTaskSource<bool>
{
    public const long Idle = 0;
    public const long TimedOut = -1;
    public const long Stopped = -2;
    public const long Disposed = -3;

    /// <summary>Receive buffers start here and grow (to <see cref="LargeBuffer"/>) when reads fill them.</summary>
    public const int InitialBuffer = 8 * 1024;
    public const int LargeBuffer = 64 * 1024;
    /// <summary>Headers may take <see cref="FastHttpResponseParser.MaxHeaderBytes"/>; one more line's worth of room.</summary>
    public const int MaxBuffer = 2 * FastHttpResponseParser.MaxHeaderBytes;

    public enum Phases : byte { Idle, Resolving, Connecting, Sending, Receiving }

    private ManualResetValueTaskSourceCore<bool> _completion;

    public readonly int Slot = slot;
    public readonly FastHttpLoop Loop = loop;

    // Written by any thread (compare-and-swap arbitrates between completion and aborts).
    public long State;

    // Set by the caller before it hands the slot to the loop.
    public FastHttpRequest Request = null!;
    public CancellationToken Stop;

    // Owned by the loop.
    public Socket? Socket;
    /// <summary>Changes with every socket opened or closed: events of an earlier socket are recognised and ignored.</summary>
    public uint Generation;
    public Phases Phase;
    /// <summary>A request is in flight on this slot (from the loop's point of view).</summary>
    public bool Active;
    /// <summary>The idle socket saw the peer close or send unasked-for bytes: it is not reused.</summary>
    public bool Stale;
    /// <summary>The socket has carried a complete response: a failure before any byte of the next one may be a stale close.</summary>
    public bool Reused;
    public int Sent;
    public int Attempt;
    /// <summary>While connecting: the addresses being tried, and which one.</summary>
    public FastHttpTarget? Target;
    public int AddressIndex;
    public long Received;
    /// <summary>Buffered, not yet parsed bytes are Buffer[Start..End).</summary>
    public byte[] Buffer = GC.AllocateUninitializedArray<byte>(InitialBuffer, pinned: true);
    public int Start;
    public int End;
    public readonly FastHttpResponseParser Parser = new();

    // The outcome, written by the loop before it signals completion.
    public bool Completed;
    public int Status;
    public ErrorKind? Failure;
    public long AbortedBy;
    public long EndTimestamp;

    /// <summary>Prepares the slot for a new request (by the caller that rented it).</summary>
    public void Prepare(FastHttpRequest request, CancellationToken stop)
    {
        _completion.Reset();
        Request = request;
        Stop = stop;
        Completed = false;
        Status = 0;
        Failure = null;
        AbortedBy = Idle;
    }

    /// <summary>Completes when the loop is done with the request; the outcome fields are then the caller's to read.</summary>
    public ValueTask<bool> Completion => new(this, _completion.Version);

    public void Signal() => _completion.SetResult(true);

    /// <summary>Aborts the in-flight request whose state is <paramref name="expected"/>; false when it already finished.</summary>
    public bool TryAbort(long expected, long reason)
    {
        if (expected <= Idle || Interlocked.CompareExchange(ref State, reason, expected) != expected) return false;
        Loop.PostAbort(this);
        return true;
    }

    /// <summary>Aborts whatever request is in flight, if any.</summary>
    public void Abort(long reason)
    {
        long state;
        while ((state = Volatile.Read(ref State)) > Idle)
            if (TryAbort(state, reason)) return;
    }

    /// <summary>Makes room at the end of the buffer: moves pending bytes to the front or grows it.</summary>
    public bool MakeRoom()
    {
        if (Start > 0)
        {
            Buffer.AsSpan(Start, End - Start).CopyTo(Buffer);
            End -= Start;
            Start = 0;
            return true;
        }
        if (Buffer.Length >= MaxBuffer) return false;
        Grow(Math.Min(MaxBuffer, Buffer.Length * 2));
        return true;
    }

    public void Grow(int size)
    {
        var bigger = GC.AllocateUninitializedArray<byte>(size, pinned: true);
        Buffer.AsSpan(Start, End - Start).CopyTo(bigger);
        End -= Start;
        Start = 0;
        Buffer = bigger;
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _completion.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _completion.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _completion.OnCompleted(continuation, state, token, flags);
}
