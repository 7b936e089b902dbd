namespace PerfCluster.Core.Scenarios;

/// <summary>Where a value came from in a scenario file; lines and columns are 1-based.</summary>
public sealed record SourcePosition(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}

/// <summary>Bad scenario input: always carries what was expected and, where known, where.</summary>
public sealed class ScenarioException(string message, SourcePosition? position = null) : Exception(message)
{
    public SourcePosition? Position { get; } = position;

    /// <summary>"file:line:col: message", the form the CLI prints before exiting with code 2.</summary>
    public string Describe() => Position is null ? Message : $"{Position}: {Message}";
}

/// <summary>Everything one <c>perfcluster run</c> executes: one or more scenarios, in order.</summary>
public sealed record TestPlan(string SourceFile, string SourceText, IReadOnlyList<ScenarioDefinition> Scenarios);

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
}

/// <summary>Closed workload model: a fixed population of users, each looping request → think.</summary>
public sealed record ClosedLoad(int Users, TimeSpan Duration, TimeSpan RampUp, ThinkTime Think, TimeSpan GracefulStop)
{
    public static readonly TimeSpan DefaultGracefulStop = TimeSpan.FromSeconds(30);
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
public sealed record ThresholdDefinition(string Expression, string? Endpoint = null, SourcePosition? Position = null);

/// <summary>A host:port that must accept TCP connections before the run starts.</summary>
public sealed record RequiredService(string Name, string Host, int Port);

public sealed record HttpSettings
{
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Connections per target host; 0 means one per virtual user.</summary>
    public int MaxConnections { get; init; }
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
