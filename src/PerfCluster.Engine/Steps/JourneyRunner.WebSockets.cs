using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Steps;
using PerfCluster.Engine.Drivers;

namespace PerfCluster.Engine.Steps;

/// <summary>
/// One user's open WebSocket. A reader loop takes every message off the socket as it arrives (stamped with its arrival
/// time) into a bounded queue that the user's <c>ws-receive</c> steps read, so a receive that times out leaves the socket
/// open (cancelling a pending <see cref="ClientWebSocket.ReceiveAsync(ArraySegment{byte}, CancellationToken)"/> would
/// abort it) and a reply's latency ends when it arrived, not when the step got to it.
/// </summary>
internal sealed class UserSocket : IDisposable
{
    /// <summary>Messages waiting for a receive step; past it the oldest are dropped (a flow that never receives).</summary>
    public const int QueueLength = 1024;

    private readonly Channel<(string Text, long At)> _messages =
        Channel.CreateBounded<(string, long)>(new BoundedChannelOptions(QueueLength) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true });

    public UserSocket(ClientWebSocket socket, long maxMessage)
    {
        Socket = socket;
        _ = ReadAsync(maxMessage);
    }

    public ClientWebSocket Socket { get; }

    /// <summary>When the last send not yet answered by a matching message started; null when every send was answered.</summary>
    public long? PendingSendAt { get; set; }

    /// <summary>A ws-close step closed it: the close that follows is expected.</summary>
    public bool Closing { get; private set; }

    public bool IsOpen => !Closing && Socket.State == WebSocketState.Open && !_messages.Reader.Completion.IsCompleted;

    public ChannelReader<(string Text, long At)> Messages => _messages.Reader;

    private async Task ReadAsync(long maxMessage)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        var message = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await Socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close) break;
                if (maxMessage > 0 && message.Length + result.Count > maxMessage)
                    throw new WebSocketException(WebSocketError.Faulted, $"a message is larger than {maxMessage} bytes");
                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage) continue;
                var text = Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length);
                message.SetLength(0);
                _messages.Writer.TryWrite((text, Stopwatch.GetTimestamp()));
            }
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or OperationCanceledException or IOException)
        {
            // The socket is gone: the queue's completion tells the next step.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            _messages.Writer.TryComplete();
        }
    }

    /// <summary>Sends a normal close and lets the reader loop see the server's answer.</summary>
    public async Task CloseAsync()
    {
        Closing = true;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            if (Socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                await Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // Already gone.
        }
        Dispose();
    }

    public void Dispose()
    {
        Closing = true;
        Socket.Abort();
        Socket.Dispose();
    }
}

/// <summary>The WebSocket steps: connect, send, receive until a message matches, close.</summary>
public sealed partial class JourneyRunner
{
    /// <summary>Every socket a user of this share holds open, so the share's end closes them all.</summary>
    private readonly ConcurrentDictionary<UserSocket, byte> _sockets = new();

    /// <summary>The sockets the setup opens: a user that lost one runs its setup again.</summary>
    private HashSet<string> _setupSockets = [];

    private async ValueTask<Flow> WsConnectAsync(WsConnectStep step, IterationState state)
    {
        var index = _requestIndex[step];
        var vars = state.User.Variables;
        var intended = state.TakeIntendedStart();
        if (step.Path.Render(vars, out _) is not { } path || !TryRender(step.Headers, vars, out var headers))
            return Fail(index, intended, ErrorKind.MissingVariable, state);
        DropSocket(state.User, step.Socket);

        var httpUri = new Uri(_http.Target, path);
        var uri = new UriBuilder(httpUri) { Scheme = httpUri.Scheme == Uri.UriSchemeHttps ? "wss" : "ws" }.Uri;
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        foreach (var (name, value) in headers) socket.Options.SetRequestHeader(name, value);
        if (_journey.Cookies && state.User.Jar?.GetCookieHeader(httpUri) is { Length: > 0 } cookie) socket.Options.SetRequestHeader("Cookie", cookie);
        foreach (var protocol in step.Subprotocols) socket.Options.AddSubProtocol(protocol);

        var start = Stopwatch.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(state.Abandon);
        timeout.CancelAfter(step.Timeout ?? _timeout);
        ErrorKind? error = null;
        try
        {
            await socket.ConnectAsync(uri, _http.WebSocketInvoker, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (state.Abandon.IsCancellationRequested)
        {
            socket.Dispose();
            _recorder.RecordAbandoned();
            return Flow.Abandoned;
        }
        catch (OperationCanceledException)
        {
            error = ErrorKind.Timeout;
        }
        catch (WebSocketException e)
        {
            // Refused, reset or TLS: the transport's own kind; an answer that is not an upgrade: its status.
            error = e.InnerException is { } inner ? HttpDriver.Classify(inner)
                : socket.HttpStatusCode is var status && (int)status >= 100 ? ErrorKinds.ForStatus((int)status) : ErrorKind.Protocol;
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            error = HttpDriver.Classify(e);
        }
        var end = Stopwatch.GetTimestamp();
        if (error is not null)
        {
            socket.Dispose();
            _recorder.Record(index, intended, start, end, error);
            state.Failed = true;
            return Flow.Next;
        }
        var open = new UserSocket(socket, _maxMessage);
        (state.User.Sockets ??= new Dictionary<string, UserSocket>(StringComparer.Ordinal))[step.Socket] = open;
        _sockets[open] = 0;
        _recorder.Record(index, intended, start, end, null);
        return Flow.Next;
    }

    private async ValueTask<Flow> WsSendAsync(WsSendStep step, IterationState state)
    {
        var index = _requestIndex[step];
        var intended = state.TakeIntendedStart();
        if (step.Message.Render(state.User.Variables, out _) is not { } text) return Fail(index, intended, ErrorKind.MissingVariable, state);
        if (SocketOf(state.User, step.Socket) is not { } socket) return Closed(index, intended, step.Socket, state);
        var bytes = Encoding.UTF8.GetBytes(text);
        var start = Stopwatch.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(state.Abandon);
        timeout.CancelAfter(_timeout);
        try
        {
            await socket.Socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (state.Abandon.IsCancellationRequested)
        {
            _recorder.RecordAbandoned();
            return Flow.Abandoned;
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // A send cut off by its timeout leaves half a frame behind: the socket cannot carry another message.
            return Closed(index, intended, step.Socket, state, e is OperationCanceledException ? ErrorKind.Timeout : ErrorKind.WebSocketClosed, start);
        }
        socket.PendingSendAt = start;
        _recorder.Record(index, intended, start, Stopwatch.GetTimestamp(), null);
        return Flow.Next;
    }

    private async ValueTask<Flow> WsReceiveAsync(WsReceiveStep step, IterationState state)
    {
        var index = _requestIndex[step];
        var vars = state.User.Variables;
        var intended = state.TakeIntendedStart();
        var stepStart = Stopwatch.GetTimestamp();
        if (SocketOf(state.User, step.Socket, open: false) is not { } socket) return Closed(index, intended, step.Socket, state);
        var from = socket.PendingSendAt ?? stepStart;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(state.Abandon);
        timeout.CancelAfter(step.Timeout ?? _timeout);
        while (true)
        {
            (string Text, long At) message;
            try
            {
                if (!socket.Messages.TryRead(out message)) message = await socket.Messages.ReadAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (state.Abandon.IsCancellationRequested)
            {
                _recorder.RecordAbandoned();
                return Flow.Abandoned;
            }
            catch (OperationCanceledException)
            {
                foreach (var check in step.Checks) _recorder.RecordCheck(_checkIndex[check.Name], false);
                return Fail(index, intended, ErrorKind.Timeout, state, from);
            }
            catch (ChannelClosedException)
            {
                foreach (var check in step.Checks) _recorder.RecordCheck(_checkIndex[check.Name], false);
                return Closed(index, intended, step.Socket, state, ErrorKind.WebSocketClosed, from);
            }
            var end = Math.Max(message.At, from);
            using var view = new ResponseView(101, message.Text, [], Stopwatch.GetElapsedTime(from, end));
            if (step.Until is { } until && !until.Passes(view, vars)) continue;
            socket.PendingSendAt = null;
            var error = ExtractAndCheck(view, step.Extract, step.Checks, vars);
            _recorder.Record(index, intended, from, end, error);
            if (error is not null) state.Failed = true;
            return Flow.Next;
        }
    }

    private async ValueTask<Flow> WsCloseAsync(WsCloseStep step, IterationState state)
    {
        if (state.User.Sockets is { } sockets && sockets.Remove(step.Socket, out var socket))
        {
            _sockets.TryRemove(socket, out _);
            await socket.CloseAsync().ConfigureAwait(false);
        }
        return Flow.Next;
    }

    /// <summary>The user's socket of that name when it is open (or, for a receive, still has messages queued); otherwise it is dropped.</summary>
    private UserSocket? SocketOf(JourneyUser user, string name, bool open = true)
    {
        if (user.Sockets?.GetValueOrDefault(name) is not { } socket) return null;
        if (open ? socket.IsOpen : !socket.Closing) return socket;
        DropSocket(user, name);
        return null;
    }

    private void DropSocket(JourneyUser user, string name)
    {
        if (user.Sockets is null || !user.Sockets.Remove(name, out var socket)) return;
        _sockets.TryRemove(socket, out _);
        socket.Dispose();
    }

    /// <summary>
    /// The step needed a socket that is not open (the server closed it, or it never opened): a <c>ws_closed</c> failure.
    /// The user's setup runs again on its next iteration, so a socket opened there is opened again.
    /// </summary>
    private Flow Closed(int index, long? intended, string name, IterationState state, ErrorKind kind = ErrorKind.WebSocketClosed, long? from = null)
    {
        DropSocket(state.User, name);
        if (_setupSockets.Contains(name)) state.User.SetUp = false;
        return Fail(index, intended, kind, state, from);
    }

    private Flow Fail(int index, long? intended, ErrorKind kind, IterationState state, long? from = null)
    {
        var now = Stopwatch.GetTimestamp();
        _recorder.Record(index, intended, from ?? now, now, kind);
        state.Failed = true;
        return Flow.Next;
    }

    private static bool TryRender(IReadOnlyList<(string Name, Template Value)> templates, UserVariables vars, out List<KeyValuePair<string, string>> rendered)
    {
        rendered = new List<KeyValuePair<string, string>>(templates.Count);
        foreach (var (name, template) in templates)
        {
            if (template.Render(vars, out _) is not { } value) return false;
            rendered.Add(new(name, value));
        }
        return true;
    }

    private void CloseSockets()
    {
        foreach (var socket in _sockets.Keys) socket.Dispose();
        _sockets.Clear();
    }
}
