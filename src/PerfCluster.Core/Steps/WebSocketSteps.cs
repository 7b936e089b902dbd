namespace PerfCluster.Core.Steps;

/// <summary>
/// Opens the user's WebSocket <see cref="Socket"/> (ws:// or wss:// on the scenario's target, its TLS settings and the
/// user's cookies included), closing one left open under that name. Its series times the upgrade handshake. A socket
/// stays open across steps and iterations until a <see cref="WsCloseStep"/>, the server or the end of the run closes it.
/// </summary>
public sealed record WsConnectStep : SeriesStep
{
    public const string DefaultSocket = "main";

    public string Socket { get; init; } = DefaultSocket;
    public required Template Path { get; init; }
    public IReadOnlyList<(string Name, Template Value)> Headers { get; init; } = [];
    public IReadOnlyList<string> Subprotocols { get; init; } = [];
    public TimeSpan? Timeout { get; init; }
}

/// <summary>Sends one text message (a template) on the user's socket; its series counts messages sent and times the send.</summary>
public sealed record WsSendStep : SeriesStep
{
    public string Socket { get; init; } = WsConnectStep.DefaultSocket;
    public required Template Message { get; init; }
}

/// <summary>
/// Reads messages from the user's socket until one passes <see cref="Until"/> (any message when null), within
/// <see cref="Timeout"/>; messages before it are skipped. Its series counts the matching messages and times each from the
/// socket's last unanswered send (send → matching reply), or from the step's start when every send was answered (a push).
/// The matching message is the body its extractors and checks read.
/// </summary>
public sealed record WsReceiveStep : SeriesStep
{
    public string Socket { get; init; } = WsConnectStep.DefaultSocket;
    public Check? Until { get; init; }
    public TimeSpan? Timeout { get; init; }
    public IReadOnlyList<Extractor> Extract { get; init; } = [];
    public IReadOnlyList<Check> Checks { get; init; } = [];
}

/// <summary>Closes the user's socket with a normal close (nothing when it is not open).</summary>
public sealed record WsCloseStep : Step
{
    public string Socket { get; init; } = WsConnectStep.DefaultSocket;
}
