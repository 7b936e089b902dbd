using PerfCluster.Core.Hocon;
using PerfCluster.Core.Input;
using PerfCluster.Core.Steps;

namespace PerfCluster.Core.Scenarios;

/// <summary>
/// The <c>grpc</c> step: a method of the scenario's <c>grpc</c> contract by <c>package.Service/Method</c>, a JSON message
/// template, metadata templates, the status codes that count as success, and the extractors and checks a request has
/// (json, regex, body-contains, latency-under; a call has no HTTP status). An unknown service or method, or a
/// client-streaming one, is a load-time error at the step.
/// </summary>
internal sealed partial class FlowReader
{
    private GrpcDefinition? _grpc;
    private SourcePosition? _grpcAt;

    private GrpcStep Grpc(HoconField field)
    {
        var obj = ObjectOf(field, "grpc { method = \"greet.Greeter/SayHello\", message = \"{\\\"name\\\": \\\"{{vu}}\\\"}\" }");
        var section = ScenarioKeys.Read(obj, ScenarioKeys.GrpcStep);
        if (_grpc is null)
            throw new ScenarioException("a grpc step needs the scenario's 'grpc' block naming its .proto files (e.g. grpc { protos = [\"protos/greeter.proto\"] })", obj.Position);
        var methodField = section.Field("method") ?? throw new ScenarioException("a grpc step needs a 'method' (package.Service/Method)", obj.Position);
        var method = MethodOf(methodField);
        var messageField = section.Field("message");
        var message = messageField is null ? "{}" : messageField.Value.AsString(messageField.Key);
        var metadata = new List<(string, Template)>();
        if (section.Field("metadata") is { } md)
            foreach (var entry in ObjectOf(md, "metadata { authorization = \"Bearer {{token}}\" }").Fields)
            {
                var key = entry.Key.ToLowerInvariant();
                if (!EndpointReader.IsToken(key) || key.StartsWith("grpc-", StringComparison.Ordinal) || key.StartsWith(':'))
                    throw new ScenarioException($"'{entry.Key}' is not a metadata key a call may set (ASCII token, not grpc-* or a pseudo-header)", entry.KeyPosition);
                if (key.EndsWith("-bin", StringComparison.Ordinal))
                    throw new ScenarioException($"'{entry.Key}': binary metadata (-bin) is not supported; send text metadata", entry.KeyPosition);
                metadata.Add((key, Template.Parse(entry.Value.AsString(entry.Key), entry.Value.Position)));
            }
        var codes = new List<int>();
        if (section.Field("expect-code") is { } ec)
            foreach (var item in ec.Value is HoconArray list ? list.Items : [ec.Value])
                codes.Add(GrpcCodes.Parse(item.AsString(ec.Key)) ??
                          throw new ScenarioException($"'{item.AsString(ec.Key).Trim()}' is not a gRPC status code (OK, NOT_FOUND, ..., or 0-16)", item.Position));
        var step = new GrpcStep
        {
            Position = obj.Position,
            Name = StepName(section, obj.Position, $"gRPC {method.FullName}"),
            Method = method,
            Message = Template.Parse(message, messageField?.Value.Position ?? obj.Position),
            MessagePosition = messageField?.Value.Position ?? obj.Position,
            Metadata = metadata,
            Timeout = TimeoutOf(section),
            ExpectCodes = codes.Count > 0 ? codes.Distinct().ToList() : [0],
            Extract = section.Field("extract") is { } x ? Extractors(x) : [],
            Checks = section.Field("check") is { } c ? Checks(c) : [],
        };
        foreach (var check in step.Checks)
            if (check.Kind is CheckKind.Status)
                throw new ScenarioException($"check '{check.Name}': a gRPC call has no HTTP status; its status code is 'expect-code', test the answer with json, regex, body-contains or latency-under", check.Position);
        foreach (var extractor in step.Extract)
            if (extractor.Source is ExtractSource.Cookie)
                throw new ScenarioException($"extractor '{extractor.Variable}': a gRPC answer has no cookies; extract with json, regex or header (response metadata)", obj.Position);
        return section.Field("on-failure") is { } f ? step with { OnFailure = OnFailureOf(f) } : step;
    }

    private GrpcMethod MethodOf(HoconField field)
    {
        var text = field.Value.AsString(field.Key).Trim().TrimStart('/');
        var slash = text.LastIndexOf('/');
        if (slash <= 0 || slash == text.Length - 1)
            throw new ScenarioException($"'{text}' is not a gRPC method: write package.Service/Method (e.g. \"perfcluster.demo.Greeter/SayHello\")", field.Value.Position);
        var (service, name) = (text[..slash], text[(slash + 1)..]);
        var services = _grpc!.Methods.Values.Select(m => m.Service).Distinct().ToList();
        if (!services.Contains(service))
        {
            var hint = Spelling.Suggest(service, services) is { } near ? $"; did you mean '{near}'?" : services.Count > 0 ? $"; the protos declare {string.Join(", ", services)}" : "; the protos declare no service";
            throw new ScenarioException($"unknown gRPC service '{service}'{hint}", field.Value.Position);
        }
        if (!_grpc.Methods.TryGetValue(text, out var method))
        {
            var names = _grpc.Methods.Values.Where(m => m.Service == service).Select(m => m.Name).ToList();
            var hint = Spelling.Suggest(name, names) is { } near ? $"did you mean '{near}'?" : $"it has {string.Join(", ", names)}";
            throw new ScenarioException($"service '{service}' has no method '{name}'; {hint}", field.Value.Position);
        }
        if (method.ClientStreaming)
            throw new ScenarioException($"'{text}' streams from the client; grpc steps make unary and server-streaming calls", field.Value.Position);
        return method;
    }
}
