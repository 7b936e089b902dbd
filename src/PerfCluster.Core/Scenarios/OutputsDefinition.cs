using PerfCluster.Core.Hocon;
using PerfCluster.Core.Input;

namespace PerfCluster.Core.Scenarios;

public enum OtlpProtocol { HttpProtobuf, Grpc }

/// <summary>
/// <c>outputs { otlp { ... } }</c>: the run's merged metrics exported over OTLP while it goes, to the user's collector
/// (the OpenTelemetry SDK's exporter, every <see cref="Interval"/>, and once more at the end).
/// </summary>
public sealed record OtlpOutput(Uri Endpoint)
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(5);

    public OtlpProtocol Protocol { get; init; } = OtlpProtocol.HttpProtobuf;
    public TimeSpan Interval { get; init; } = DefaultInterval;

    /// <summary>Delta temporality (each export carries what happened since the last one) instead of cumulative totals.</summary>
    public bool Delta { get; init; }

    /// <summary>Headers sent with every export (an API key); written masked.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    public bool Equals(OtlpOutput? other) => other is not null && Endpoint == other.Endpoint && Protocol == other.Protocol &&
        Interval == other.Interval && Delta == other.Delta && Headers.Count == other.Headers.Count && Headers.All(h => other.Headers.GetValueOrDefault(h.Key) == h.Value);

    public override int GetHashCode() => HashCode.Combine(Endpoint, Protocol, Interval, Delta);
}

/// <summary>Where a run's results go besides its report: <c>outputs</c>.</summary>
public sealed record OutputsDefinition
{
    public static readonly OutputsDefinition None = new();

    public OtlpOutput? Otlp { get; init; }
}

internal static class OutputsReader
{
    public static OutputsDefinition Read(Scope scenario)
    {
        if (scenario.Get("outputs") is not { } field) return OutputsDefinition.None;
        var obj = field.Value as HoconObject
            ?? throw new ScenarioException($"expected an object for 'outputs' (e.g. outputs {{ otlp {{ endpoint = \"http://127.0.0.1:4318\" }} }}) but found {field.Value.Describe()}", field.Value.Position);
        var section = ScenarioKeys.Read(obj, ScenarioKeys.Outputs);
        return new OutputsDefinition { Otlp = section.Field("otlp") is { } o ? Otlp(o) : null };
    }

    private static OtlpOutput Otlp(HoconField field)
    {
        var obj = field.Value as HoconObject
            ?? throw new ScenarioException($"expected an object for 'otlp' (e.g. otlp {{ endpoint = \"http://127.0.0.1:4318\", interval = 5s }}) but found {field.Value.Describe()}", field.Value.Position);
        var section = ScenarioKeys.Read(obj, ScenarioKeys.Otlp);
        var e = section.Field("endpoint") ?? throw new ScenarioException("otlp needs an 'endpoint' (e.g. \"http://127.0.0.1:4318\" for OTLP/HTTP, \"http://127.0.0.1:4317\" with protocol = grpc)", obj.Position);
        var text = e.Value.AsString(e.Key).Trim();
        if (!Uri.TryCreate(text, UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https"))
            throw new ScenarioException($"'{e.Key}' must be an http(s) URL but is '{text}'", e.Value.Position);
        var output = new OtlpOutput(endpoint);
        if (section.Field("protocol") is { } p)
            output = output with
            {
                Protocol = ScenarioKeys.Normalize(p.Value.AsString(p.Key).Trim()) switch
                {
                    "http/protobuf" or "http" or "http-protobuf" => OtlpProtocol.HttpProtobuf,
                    "grpc" => OtlpProtocol.Grpc,
                    var other => throw new ScenarioException($"'{p.Key}' must be http/protobuf or grpc but is '{other}'", p.Value.Position),
                },
            };
        if (section.Field("interval") is { } i)
        {
            var interval = i.Value.AsDuration(i.Key);
            if (interval < TimeSpan.FromSeconds(1) || interval > TimeSpan.FromMinutes(10))
                throw new ScenarioException($"'{i.Key}' must be between 1s and 10m (metrics are merged per second)", i.Value.Position);
            output = output with { Interval = interval };
        }
        if (section.Field("temporality") is { } t)
            output = output with
            {
                Delta = t.Value.AsString(t.Key).Trim().ToLowerInvariant() switch
                {
                    "delta" => true,
                    "cumulative" => false,
                    var other => throw new ScenarioException($"'{t.Key}' must be cumulative or delta but is '{other}'", t.Value.Position),
                },
            };
        if (section.Field("headers") is { } h)
        {
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var header in (h.Value as HoconObject ?? throw new ScenarioException("expected an object for 'headers' (e.g. headers { api-key = \"...\" })", h.Value.Position)).Fields)
            {
                if (!EndpointReader.IsToken(header.Key)) throw new ScenarioException($"'{header.Key}' is not a valid header name", header.KeyPosition);
                headers[header.Key] = header.Value.AsString(header.Key);
            }
            output = output with { Headers = headers };
        }
        return output;
    }
}
