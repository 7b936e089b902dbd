using PerfCluster.Core.Alerts;
using PerfCluster.Core.Monitoring;
using PerfCluster.Core.Regression;
using PerfCluster.Core.Input;
using PerfCluster.Core.Steps;

namespace PerfCluster.Core.Scenarios;

/// <summary>Everything one <c>perfcluster run</c> executes: one or more scenarios, in order.</summary>
public sealed record TestPlan(string SourceFile, string SourceText, IReadOnlyList<ScenarioDefinition> Scenarios)
{
    /// <summary>The guide's benchmark_config keys of the file: the log level it asks for, and warnings for the keys not honoured as written.</summary>
    public BenchmarkSettings Benchmark { get; init; } = BenchmarkSettings.None;
}

public enum SelectionMode { Weighted, Uniform, RoundRobin }

/// <summary>One load test: who is sent where, how hard, for how long, and what counts as passing.</summary>
public sealed record ScenarioDefinition
{
    public required string Name { get; init; }
    public string? Description { get; init; }
    /// <summary>Base URL requests go to; endpoint paths are resolved against it.</summary>
    public required Uri Target { get; init; }
    public required ClosedLoad Load { get; init; }
    public required IReadOnlyList<EndpointDefinition> Endpoints { get; init; }
    public SelectionMode Distribution { get; init; } = SelectionMode.Weighted;
    public IReadOnlyList<ThresholdDefinition> Thresholds { get; init; } = [];
    public IReadOnlyList<RequiredService> RequiredServices { get; init; } = [];
    public HttpSettings Http { get; init; } = new();

    /// <summary>Checked in every 1-second window while the run goes; the guide's defaults unless the scenario sets its own.</summary>
    public IReadOnlyList<SlaThreshold> SlaThresholds { get; init; } = SlaThreshold.Defaults;

    /// <summary>Named alerts with durations and actions; none unless the scenario sets them.</summary>
    public IReadOnlyList<AlertRule> AlertRules { get; init; } = [];

    /// <summary>The system under test's process and exporter to watch, and the leak settings; null when not watched.</summary>
    public MonitorDefinition? Monitor { get; init; }

    /// <summary>Where the run's metrics go besides the report (<c>outputs { otlp { ... } }</c>).</summary>
    public OutputsDefinition Outputs { get; init; } = OutputsDefinition.None;

    /// <summary>How <c>perfcluster test</c> judges this scenario against its baseline (<c>regression-thresholds</c>).</summary>
    public RegressionThresholds Regression { get; init; } = RegressionThresholds.Default;

    /// <summary>Open workload model: when set, iterations arrive at a rate instead of looping users.</summary>
    public OpenLoad? Open { get; init; }

    /// <summary>Load that runs before <see cref="ClosedLoad.Duration"/> starts and is kept out of the statistics.</summary>
    public TimeSpan WarmUp { get; init; }

    public bool IsOpen => Open is not null;

    /// <summary>Flows, setup and feeders when the scenario describes user journeys; null for a request mix. The request
    /// steps are then the <see cref="Endpoints"/>: one named series each.</summary>
    public Journey? Journey { get; init; }

    /// <summary>False for a journey of SQL and Redis steps alone: its target is never sent to, so nothing probes it.</summary>
    public bool SendsHttp => Journey is not { } j || j.Requests.Count > 0 || j.UsesWebSockets || j.UsesGrpc;

    /// <summary>Per-module targets (<c>module-targets</c>) for the modules this scenario runs.</summary>
    public IReadOnlyList<ModuleTarget> ModuleTargets { get; init; } = [];

    /// <summary>How long load is generated: warm-up plus the measured duration.</summary>
    public TimeSpan LoadTime => WarmUp + Load.Duration;
}

/// <summary>
/// Closed workload model: a population of users, each looping request → think. Without stages the
/// population ramps linearly to <see cref="Users"/> over <see cref="RampUp"/> and holds; with stages it
/// follows them (each stage moves linearly from the previous target to its own; a stage of zero
/// duration is a jump). For an open-model scenario this record still carries the run's duration,
/// graceful stop and (as <see cref="Users"/>) the most users the pool may hold.
/// </summary>
public sealed record ClosedLoad(int Users, TimeSpan Duration, TimeSpan RampUp, ThinkTime Think, TimeSpan GracefulStop)
{
    public static readonly TimeSpan DefaultGracefulStop = TimeSpan.FromSeconds(30);

    /// <summary>Stages of {duration, target users}; empty for the linear ramp-up.</summary>
    public IReadOnlyList<Stage> Stages { get; init; } = [];

    /// <summary>The two-phase shape (<c>scalability</c>) the stages were built from; null for any other shape.</summary>
    public ScalabilityPhases? Phases { get; init; }

    public bool Equals(ClosedLoad? other) =>
        other is not null && Users == other.Users && Duration == other.Duration && RampUp == other.RampUp &&
        Think == other.Think && GracefulStop == other.GracefulStop && Stages.SequenceEqual(other.Stages) && Phases == other.Phases;

    public override int GetHashCode() => HashCode.Combine(Users, Duration, RampUp, Think, GracefulStop, Stages.Count);
}

/// <summary>
/// The closed model in two phases, for a module's scalability: <see cref="Users"/> (N) for the warm-up and one
/// <see cref="Phase"/>, then 2N for another. The measured duration is the two phases; the switch falls on a whole second.
/// </summary>
public sealed record ScalabilityPhases(int Users, TimeSpan Phase)
{
    /// <summary>The stages of this shape: a jump to N, N through the warm-up and the first phase, a jump to 2N, 2N through the second.</summary>
    public IReadOnlyList<Stage> StagesAfter(TimeSpan warmUp) =>
        [new(TimeSpan.Zero, Users), new(warmUp + Phase, Users), new(TimeSpan.Zero, 2 * Users), new(Phase, 2 * Users)];
}

/// <summary>One step of a profile: over <see cref="Duration"/>, move linearly to <see cref="Target"/> (users or iterations/s).</summary>
public sealed record Stage(TimeSpan Duration, double Target);

/// <summary>
/// Open workload model: iterations start at <see cref="Rate"/> per second (or follow rate stages), each
/// on a free user of a pool that starts at <see cref="PreAllocatedUsers"/> and may grow to
/// <see cref="MaxUsers"/>. An iteration that finds no free user is dropped and counted, never delayed.
/// </summary>
public sealed record OpenLoad(double Rate, int PreAllocatedUsers, int MaxUsers)
{
    /// <summary>Stages of {duration, target rate}; empty for the constant <see cref="Rate"/>.</summary>
    public IReadOnlyList<Stage> Stages { get; init; } = [];

    /// <summary>Rate the stages start from (0 unless set).</summary>
    public double StartRate { get; init; }

    public bool Equals(OpenLoad? other) =>
        other is not null && Rate.Equals(other.Rate) && PreAllocatedUsers == other.PreAllocatedUsers && MaxUsers == other.MaxUsers &&
        StartRate.Equals(other.StartRate) && Stages.SequenceEqual(other.Stages);

    public override int GetHashCode() => HashCode.Combine(Rate, PreAllocatedUsers, MaxUsers, StartRate, Stages.Count);
}

/// <summary>Pause between a user's iterations: uniform in [Mean - Jitter, Mean + Jitter], never negative.</summary>
public sealed record ThinkTime(TimeSpan Mean, TimeSpan Jitter)
{
    public static readonly ThinkTime None = new(TimeSpan.Zero, TimeSpan.Zero);

    public TimeSpan Sample(Random random)
    {
        if (Jitter <= TimeSpan.Zero) return Mean;
        var ticks = Mean.Ticks + (long)((random.NextDouble() * 2 - 1) * Jitter.Ticks);
        return TimeSpan.FromTicks(Math.Max(0, ticks));
    }
}

/// <summary>One request kind in the mix. <see cref="ExpectedStatus"/> empty means any 2xx or 3xx.</summary>
public sealed record EndpointDefinition
{
    public required string Name { get; init; }
    public string Method { get; init; } = "GET";
    public required string Path { get; init; }
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
    public string? Body { get; init; }
    public IReadOnlyList<int> ExpectedStatus { get; init; } = [];
    public double Weight { get; init; } = 1.0;

    public bool IsExpected(int status) =>
        ExpectedStatus.Count == 0 ? status is >= 200 and < 400 : ExpectedStatus.Contains(status);
}

/// <summary>A threshold as written (e.g. "p95 &lt; 2s"), optionally scoped to one endpoint by name.</summary>
public sealed record ThresholdDefinition(string Expression, string? Endpoint = null, SourcePosition? Position = null)
{
    /// <summary>Scoped to one flow: its iterations (<c>iteration_duration p95 &lt; 2s</c>, <c>failed_rate &lt; 0.01</c>).</summary>
    public string? Flow { get; init; }

    /// <summary>Scoped to one named check: its pass rate (<c>rate &gt; 0.999</c>).</summary>
    public string? Check { get; init; }

    /// <summary>What the threshold is scoped to, as the report shows it: "step login", "flow checkout", "check has_token" or null.</summary>
    public string? Scope => Endpoint is not null ? Endpoint : Flow is not null ? $"flow {Flow}" : Check is not null ? $"check {Check}" : null;
}

/// <summary>A host:port that must accept TCP connections before the run starts.</summary>
public sealed record RequiredService(string Name, string Host, int Port);

public sealed record HttpSettings
{
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Connections per target host; 0 means one per virtual user.</summary>
    public int MaxConnections { get; init; }
    /// <summary>Which HTTP client sends the requests (<c>http.engine</c>).</summary>
    public HttpEngine Engine { get; init; } = HttpEngine.Auto;

    public const long DefaultMaxResponseSize = 64L << 20;

    /// <summary>
    /// The most body bytes one answer may have (<c>http.max-response-size</c>); past it the request fails as
    /// <c>response_too_large</c> and its connection is dropped. 0: no limit (bodies are read and dropped as they come,
    /// except where a journey step keeps one for extraction).
    /// </summary>
    public long MaxResponseSize { get; init; } = DefaultMaxResponseSize;

    /// <summary>The HTTP version every request is sent with (<c>http.version</c>); a request step may set its own.</summary>
    public HttpProtocol Version { get; init; } = HttpProtocol.Http11;

    /// <summary>
    /// HTTP/2: the most requests in flight on one connection at once (<c>http.streams</c>). With HTTP/2 the connections
    /// are <see cref="MaxConnections"/> (default 1), so the load is connections × streams, as h2load's <c>-c</c> and <c>-m</c>.
    /// </summary>
    public int Streams { get; init; } = DefaultStreams;

    public const int DefaultStreams = 100;

    /// <summary>How https:// targets are trusted and how PerfCluster presents itself to them (<c>http.tls</c>).</summary>
    public TlsSettings Tls { get; init; } = TlsSettings.Default;

    /// <summary>HTTP/2 connections: <see cref="MaxConnections"/>, or 1 when it is 0.</summary>
    public int Http2Connections => MaxConnections > 0 ? MaxConnections : 1;

    public bool Equals(HttpSettings? other) => other is not null && Timeout == other.Timeout && MaxConnections == other.MaxConnections &&
        Engine == other.Engine && MaxResponseSize == other.MaxResponseSize && Version == other.Version && Streams == other.Streams && Tls.Equals(other.Tls);

    public override int GetHashCode() => HashCode.Combine(Timeout, MaxConnections, Engine, MaxResponseSize, Version, Streams);

    /// <summary>Reads <c>1.1</c>, <c>1</c>, <c>2</c> or <c>2.0</c>.</summary>
    public static bool TryParseVersion(string text, out HttpProtocol version)
    {
        HttpProtocol? parsed = text.Trim().ToLowerInvariant() switch
        {
            "1.1" or "1" or "http/1.1" => HttpProtocol.Http11,
            "2" or "2.0" or "h2" or "http/2" => HttpProtocol.Http2,
            _ => null,
        };
        version = parsed ?? HttpProtocol.Http11;
        return parsed is not null;
    }

    /// <summary>Reads an engine name as a scenario or command line writes it: auto, fast or socketshttphandler (any case).</summary>
    public static bool TryParseEngine(string text, out HttpEngine engine)
    {
        HttpEngine? parsed = text.Trim().ToLowerInvariant() switch
        {
            "auto" => HttpEngine.Auto,
            "fast" => HttpEngine.Fast,
            "socketshttphandler" or "sockets-http-handler" => HttpEngine.SocketsHttpHandler,
            _ => null,
        };
        engine = parsed ?? HttpEngine.Auto;
        return parsed is not null;
    }
}

/// <summary>The HTTP version a request is sent with. HTTP/2 to an http:// target is h2c with prior knowledge; to https:// it is negotiated by ALPN and required.</summary>
public enum HttpProtocol { Http11, Http2 }

/// <summary>
/// TLS for https:// targets. A certificate that does not chain to a trusted root is refused unless the target's host is
/// in <see cref="AcceptSelfSigned"/> (asked for by name, never for every host). <see cref="ServerName"/> overrides the
/// name sent in SNI and checked against the certificate; <see cref="ClientCertificatePem"/> and <see cref="ClientKeyPem"/>
/// are the client certificate for targets that ask for one (mutual TLS), read from the files the scenario names and
/// carried with it, so remote workers need no copy.
/// </summary>
public sealed record TlsSettings
{
    public static readonly TlsSettings Default = new();

    public IReadOnlyList<string> AcceptSelfSigned { get; init; } = [];
    public string? ServerName { get; init; }
    public string? ClientCertificatePem { get; init; }
    public string? ClientKeyPem { get; init; }

    /// <summary>Whether a certificate that fails only its chain (self-signed) is accepted for <paramref name="host"/>.</summary>
    public bool AcceptsSelfSignedFor(string host) => AcceptSelfSigned.Any(h => string.Equals(h, host, StringComparison.OrdinalIgnoreCase));

    public bool Equals(TlsSettings? other) => other is not null && AcceptSelfSigned.SequenceEqual(other.AcceptSelfSigned) &&
        ServerName == other.ServerName && ClientCertificatePem == other.ClientCertificatePem && ClientKeyPem == other.ClientKeyPem;

    public override int GetHashCode() => HashCode.Combine(AcceptSelfSigned.Count, ServerName, ClientCertificatePem);
}

/// <summary>Which HTTP client engine sends a share's requests.</summary>
public enum HttpEngine
{
    /// <summary><see cref="Fast"/> for http:// targets it can run, <see cref="SocketsHttpHandler"/> otherwise (https, HTTP/2).</summary>
    Auto,
    /// <summary>PerfCluster's own HTTP/1.1 engine (pre-encoded requests, epoll loops); http:// targets only.</summary>
    Fast,
    /// <summary>.NET's SocketsHttpHandler (TLS, HTTP/2, redirects).</summary>
    SocketsHttpHandler,
}

/// <summary>Command-line overrides applied to every scenario of a plan.</summary>
public sealed record ScenarioOverrides(
    Uri? Target = null, int? Users = null, TimeSpan? Duration = null, TimeSpan? RampUp = null, TimeSpan? ThinkTime = null)
{
    public ScenarioDefinition ApplyTo(ScenarioDefinition s) => s with
    {
        Target = Target ?? s.Target,
        Load = s.Load with
        {
            Users = Users ?? s.Load.Users,
            Duration = Duration ?? s.Load.Duration,
            RampUp = RampUp ?? s.Load.RampUp,
            Think = ThinkTime is { } t ? new ThinkTime(t, TimeSpan.Zero) : s.Load.Think,
        },
    };
}
