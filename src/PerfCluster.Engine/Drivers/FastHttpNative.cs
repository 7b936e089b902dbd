using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace PerfCluster.Engine.Drivers;

/// <summary>
/// The few Linux calls the fast engine's event loop needs that .NET does not expose: epoll, eventfd,
/// a non-blocking connect and SO_ERROR. File descriptors are always passed as <see cref="SafeHandle"/>
/// (a socket's, or <see cref="FdHandle"/>), so the runtime keeps a descriptor alive during each call
/// and a closed descriptor number can never be used by mistake.
/// </summary>
internal static class FastHttpNative
{
    public const uint EpollIn = 0x001;
    public const uint EpollOut = 0x004;
    public const uint EpollErr = 0x008;
    public const uint EpollHup = 0x010;
    public const uint EpollRdHup = 0x2000;
    public const uint EpollEt = 1u << 31;

    private const int EpollCtlAdd = 1;
    private const int CloExec = 0x80000;
    private const int EfdNonBlock = 0x800;
    private const int SolSocket = 1;
    private const int SoError = 4;
    private const int AfInet = 2;
    private const int AfInet6 = 10;

    public const int Eintr = 4;
    public const int Epipe = 32;
    public const int Econnaborted = 103;
    public const int Econnreset = 104;
    public const int Etimedout = 110;
    public const int Econnrefused = 111;
    public const int Einprogress = 115;

    /// <summary>struct epoll_event is packed on x86-64 (12 bytes); elsewhere its 64-bit data field is aligned (16 bytes).</summary>
    public static readonly int EventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    private static readonly int DataOffset = EventSize == 12 ? 4 : 8;

    /// <summary>Whether this process can run the event loop: Linux on x64 or arm64, with libc's epoll reachable.</summary>
    public static bool IsSupported { get; } = Probe();

    private static bool Probe()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture is not (Architecture.X64 or Architecture.Arm64)) return false;
        try
        {
            using var epoll = CreateEpoll();
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or IOException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    private static extern int EpollCreate1(int flags);

    [DllImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    private static extern int EpollCtl(SafeHandle epfd, int op, SafeHandle fd, byte[] ev);

    [DllImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    private static extern int EpollWait(SafeHandle epfd, [Out] byte[] events, int maxEvents, int timeout);

    [DllImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    private static extern int EventFd(uint initial, int flags);

    [DllImport("libc", EntryPoint = "read", SetLastError = true)]
    private static extern nint Read(SafeHandle fd, [Out] byte[] buffer, nint count);

    [DllImport("libc", EntryPoint = "write", SetLastError = true)]
    private static extern nint Write(SafeHandle fd, byte[] buffer, nint count);

    [DllImport("libc", EntryPoint = "connect", SetLastError = true)]
    private static extern int Connect(SafeHandle fd, byte[] address, int length);

    [DllImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    private static extern int GetSockOpt(SafeHandle fd, int level, int name, byte[] value, ref int length);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    internal static extern int Close(int fd);

    public static FdHandle CreateEpoll()
    {
        var fd = EpollCreate1(CloExec);
        if (fd < 0) throw new IOException($"epoll_create1 failed (errno {Marshal.GetLastPInvokeError()})");
        return new FdHandle(fd);
    }

    public static FdHandle CreateEventFd()
    {
        var fd = EventFd(0, EfdNonBlock | CloExec);
        if (fd < 0) throw new IOException($"eventfd failed (errno {Marshal.GetLastPInvokeError()})");
        return new FdHandle(fd);
    }

    /// <summary>Adds <paramref name="fd"/> to the epoll set with <paramref name="events"/>; 0 or the errno.</summary>
    public static int Register(SafeHandle epoll, SafeHandle fd, uint events, ulong data)
    {
        var ev = new byte[EventSize];
        BinaryPrimitives.WriteUInt32LittleEndian(ev, events);
        BinaryPrimitives.WriteUInt64LittleEndian(ev.AsSpan(DataOffset), data);
        return EpollCtl(epoll, EpollCtlAdd, fd, ev) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>Waits for events into <paramref name="events"/> (room for <paramref name="max"/>); the count, 0 when interrupted.</summary>
    public static int Wait(SafeHandle epoll, byte[] events, int max, int timeoutMs)
    {
        var n = EpollWait(epoll, events, max, timeoutMs);
        if (n >= 0) return n;
        var errno = Marshal.GetLastPInvokeError();
        if (errno == Eintr) return 0;
        throw new IOException($"epoll_wait failed (errno {errno})");
    }

    public static uint EventsAt(byte[] events, int index) =>
        BinaryPrimitives.ReadUInt32LittleEndian(events.AsSpan(index * EventSize));

    public static ulong DataAt(byte[] events, int index) =>
        BinaryPrimitives.ReadUInt64LittleEndian(events.AsSpan(index * EventSize + DataOffset));

    /// <summary>Adds one to an eventfd's counter (wakes a waiting loop).</summary>
    public static void Signal(SafeHandle eventFd, byte[] one) => Write(eventFd, one, 8);

    /// <summary>Resets an eventfd's counter.</summary>
    public static void Drain(SafeHandle eventFd, byte[] scratch) => Read(eventFd, scratch, 8);

    /// <summary>Starts a non-blocking connect: 0 when connected or in progress, else the errno.</summary>
    public static int StartConnect(SafeHandle socket, byte[] address)
    {
        if (Connect(socket, address, address.Length) == 0) return 0;
        var errno = Marshal.GetLastPInvokeError();
        return errno is Einprogress or Eintr ? 0 : errno;
    }

    /// <summary>The socket's pending error (SO_ERROR): 0 once a non-blocking connect has succeeded.</summary>
    public static int PendingError(SafeHandle socket)
    {
        var value = new byte[4];
        var length = 4;
        if (GetSockOpt(socket, SolSocket, SoError, value, ref length) != 0) return Marshal.GetLastPInvokeError();
        return BinaryPrimitives.ReadInt32LittleEndian(value);
    }

    /// <summary>A struct sockaddr_in or sockaddr_in6 for <paramref name="address"/>:<paramref name="port"/>.</summary>
    public static byte[] SocketAddress(IPAddress address, int port)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var v4 = new byte[16];
            BinaryPrimitives.WriteUInt16LittleEndian(v4, AfInet);
            BinaryPrimitives.WriteUInt16BigEndian(v4.AsSpan(2), (ushort)port);
            address.TryWriteBytes(v4.AsSpan(4), out _);
            return v4;
        }
        var v6 = new byte[28];
        BinaryPrimitives.WriteUInt16LittleEndian(v6, AfInet6);
        BinaryPrimitives.WriteUInt16BigEndian(v6.AsSpan(2), (ushort)port);
        address.TryWriteBytes(v6.AsSpan(8), out _);
        BinaryPrimitives.WriteUInt32LittleEndian(v6.AsSpan(24), (uint)address.ScopeId);
        return v6;
    }
}

/// <summary>An owned Linux file descriptor, closed once when released.</summary>
internal sealed class FdHandle : SafeHandle
{
    public FdHandle(int fd) : base(new IntPtr(-1), ownsHandle: true) => SetHandle(new IntPtr(fd));

    public override bool IsInvalid => handle == new IntPtr(-1);

    protected override bool ReleaseHandle() => FastHttpNative.Close((int)handle) == 0;
}
