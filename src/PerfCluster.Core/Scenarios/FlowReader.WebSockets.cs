using PerfCluster.Core.Hocon;
using PerfCluster.Core.Input;
using PerfCluster.Core.Steps;

namespace PerfCluster.Core.Scenarios;

/// <summary>
/// The WebSocket steps of a journey: <c>ws-connect</c>, <c>ws-send</c>, <c>ws-receive</c> and <c>ws-close</c>, each on a
/// named socket of the user (<c>socket = main</c> unless set). A step on a socket that no <c>ws-connect</c> of the scenario
/// opens is a load-time error.
/// </summary>
internal sealed partial class FlowReader
{
    private readonly HashSet<string> _socketsOpened = new(StringComparer.Ordinal);
    private readonly List<(string Socket, SourcePosition Position)> _socketsUsed = [];

    private string SocketOf(Section section, SourcePosition at, bool opens)
    {
        var name = WsConnectStep.DefaultSocket;
        if (section.Field("socket") is { } s)
        {
            name = s.Value.AsString(s.Key).Trim();
            if (!Template.IsName(name) || name.Contains('.'))
                throw new ScenarioException($"'{name}' is not a socket name (letters, digits, '_' and '-')", s.Value.Position);
            at = s.Value.Position;
        }
        if (opens) _socketsOpened.Add(name);
        else _socketsUsed.Add((name, at));
        return name;
    }

    /// <summary>After every step is read: each socket a step uses is opened by some ws-connect.</summary>
    private void CheckSockets()
    {
        foreach (var (socket, position) in _socketsUsed)
            if (!_socketsOpened.Contains(socket))
                throw new ScenarioException(
                    $"no ws-connect step opens socket '{socket}'" + (_socketsOpened.Count == 0 ? "; add { ws-connect { path = \"/ws/echo\" } } before it" : $"; the scenario opens {string.Join(", ", _socketsOpened)}"),
                    position);
    }

    private WsConnectStep WsConnect(HoconField field)
    {
        var obj = ObjectOf(field, "ws-connect { path = \"/ws/echo\" }");
        var section = ScenarioKeys.Read(obj, ScenarioKeys.WsConnect);
        var pathField = section.Field("path") ?? throw new ScenarioException("a ws-connect step needs a 'path' (e.g. path = \"/ws/echo\")", obj.Position);
        var pathText = pathField.Value.AsString(pathField.Key).Trim();
        if (!pathText.StartsWith('/') || pathText.Any(char.IsWhiteSpace))
            throw new ScenarioException($"a WebSocket path starts with '/' and has no whitespace, but is '{pathText}'", pathField.Value.Position);
        var socket = SocketOf(section, obj.Position, opens: true);
        var headers = new List<(string, Template)>();
        if (section.Field("headers") is { } h)
        {
            foreach (var header in ObjectOf(h, "headers { Authorization = \"Bearer {{token}}\" }").Fields)
            {
                if (!EndpointReader.IsToken(header.Key))
                    throw new ScenarioException($"'{header.Key}' is not a valid HTTP header name", header.KeyPosition);
                headers.Add((header.Key, Template.Parse(header.Value.AsString(header.Key), header.Value.Position)));
            }
        }
        var subprotocols = new List<string>();
        if (section.Field("subprotocols") is { } sp)
            foreach (var item in sp.Value is HoconArray list ? list.Items : [sp.Value])
            {
                var protocol = item.AsString(sp.Key).Trim();
                if (!EndpointReader.IsToken(protocol)) throw new ScenarioException($"'{protocol}' is not a WebSocket subprotocol name", item.Position);
                subprotocols.Add(protocol);
            }
        var step = new WsConnectStep
        {
            Position = obj.Position,
            Name = StepName(section, obj.Position, $"WS connect {pathText}"),
            Socket = socket,
            Path = Template.Parse(pathText, pathField.Value.Position),
            Headers = headers,
            Subprotocols = subprotocols,
            Timeout = TimeoutOf(section),
        };
        return section.Field("on-failure") is { } f ? step with { OnFailure = OnFailureOf(f) } : step;
    }

    private WsSendStep WsSend(HoconField field)
    {
        Section section;
        HoconNode message;
        var position = field.Value.Position;
        if (field.Value is HoconObject obj)
        {
            section = ScenarioKeys.Read(obj, ScenarioKeys.WsSend);
            message = section.Value("message") ?? throw new ScenarioException("a ws-send step needs a 'message' (e.g. message = \"{\\\"n\\\": {{iteration}}}\")", obj.Position);
        }
        else
        {
            // { ws-send = "text" }: the message alone, on the main socket.
            section = new Section(new Dictionary<string, HoconField>());
            message = field.Value;
        }
        var socket = SocketOf(section, position, opens: false);
        var step = new WsSendStep
        {
            Position = position,
            Name = StepName(section, position, $"WS send {socket}"),
            Socket = socket,
            Message = Template.Parse(message.AsString("message"), message.Position),
        };
        return section.Field("on-failure") is { } f ? step with { OnFailure = OnFailureOf(f) } : step;
    }

    private WsReceiveStep WsReceive(HoconField field)
    {
        var obj = field.Value is HoconObject o ? o : ObjectOf(field, "ws-receive { until { json = \"n\", equals = \"{{iteration}}\" }, timeout = 2s }");
        var section = ScenarioKeys.Read(obj, ScenarioKeys.WsReceive);
        var socket = SocketOf(section, obj.Position, opens: false);
        Check? until = null;
        if (section.Field("until") is { } u)
        {
            var condition = ObjectOf(u, "until { json = \"type\", equals = \"price\" } or until { regex = \"seq=\\\\d+\" }");
            var conditionSection = ScenarioKeys.Read(condition, ScenarioKeys.Check);
            until = Check("until", conditionSection, condition.Position);
            if (until.Kind is CheckKind.Status or CheckKind.LatencyUnder)
                throw new ScenarioException("'until' tests a message: json (with equals, exists or matches), regex or body-contains", condition.Position);
        }
        var step = new WsReceiveStep
        {
            Position = obj.Position,
            Name = StepName(section, obj.Position, $"WS receive {socket}"),
            Socket = socket,
            Until = until,
            Timeout = TimeoutOf(section),
            Extract = section.Field("extract") is { } x ? Extractors(x) : [],
            Checks = section.Field("check") is { } c ? Checks(c) : [],
        };
        foreach (var check in step.Checks)
            if (check.Kind is CheckKind.Status)
                throw new ScenarioException($"check '{check.Name}': a WebSocket message has no status; test its json, regex, body-contains or latency-under", check.Position);
        foreach (var extractor in step.Extract)
            if (extractor.Source is ExtractSource.Header or ExtractSource.Cookie)
                throw new ScenarioException($"extractor '{extractor.Variable}': a WebSocket message has no headers or cookies; extract with json or regex", obj.Position);
        return section.Field("on-failure") is { } f ? step with { OnFailure = OnFailureOf(f) } : step;
    }

    private WsCloseStep WsClose(HoconField field)
    {
        var section = field.Value is HoconObject obj ? ScenarioKeys.Read(obj, ScenarioKeys.WsClose) : new Section(new Dictionary<string, HoconField>());
        if (field.Value is HoconScalar scalar && scalar.AsString(field.Key).Trim() is { Length: > 0 } named && named != "true")
            section = new Section(new Dictionary<string, HoconField> { ["socket"] = field });
        return new WsCloseStep { Position = field.Value.Position, Socket = SocketOf(section, field.Value.Position, opens: false) };
    }
}
