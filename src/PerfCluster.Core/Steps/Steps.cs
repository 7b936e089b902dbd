using PerfCluster.Core.Input;

namespace PerfCluster.Core.Steps;

/// <summary>What a failed step does to its user: go on with the next step, end the iteration (the default) or stop the user.</summary>
public enum OnFailure { StopIteration, Continue, StopUser }

/// <summary>One step of a flow: what a virtual user does next.</summary>
public abstract record Step
{
    public required SourcePosition Position { get; init; }

    public OnFailure OnFailure { get; init; } = OnFailure.StopIteration;
}

/// <summary>
/// A step that is one named series of the run (its own latencies, error kinds and counts, merged exactly across workers):
/// an HTTP request, a SQL statement, a transaction, a Redis command or a module's operation.
/// </summary>
public abstract record SeriesStep : Step
{
    public required string Name { get; init; }
}

/// <summary>
/// An HTTP request with templated path, headers and body; its answer is checked against <see cref="ExpectedStatus"/>
/// (empty: any 2xx or 3xx) and its checks, and its extractors set variables. <see cref="Name"/> names its own series of
/// latencies and errors: by default the method and the path template, never the expanded URL.
/// </summary>
public sealed record RequestStep : SeriesStep
{
    public string Method { get; init; } = "GET";
    public required Template Path { get; init; }
    public IReadOnlyList<(string Name, Template Value)> Headers { get; init; } = [];
    public Template? Body { get; init; }
    public IReadOnlyList<int> ExpectedStatus { get; init; } = [];
    /// <summary>This request's own HTTP version (<c>http.version</c> in the step); null: the scenario's.</summary>
    public Scenarios.HttpProtocol? Version { get; init; }
    /// <summary>This request's own timeout; null: the scenario's <c>http.timeout</c>.</summary>
    public TimeSpan? Timeout { get; init; }
    public IReadOnlyList<Extractor> Extract { get; init; } = [];
    public IReadOnlyList<Check> Checks { get; init; } = [];

    public bool IsExpected(int status) =>
        ExpectedStatus.Count == 0 ? status is >= 200 and < 400 : ExpectedStatus.Contains(status);
}

/// <summary>A pause: fixed (<see cref="Min"/> = <see cref="Max"/>) or uniform between the two.</summary>
public sealed record PauseStep(TimeSpan Min, TimeSpan Max) : Step
{
    public TimeSpan Sample(Random random) =>
        Max <= Min ? Min : Min + TimeSpan.FromTicks((long)(random.NextDouble() * (Max - Min).Ticks));
}

/// <summary>A named block whose duration is measured as a whole (its own series of durations, completed and failed).</summary>
public sealed record GroupStep(string Name, IReadOnlyList<Step> Steps) : Step;

/// <summary>The block run <see cref="Times"/> times.</summary>
public sealed record RepeatStep(int Times, IReadOnlyList<Step> Steps) : Step;

/// <summary>The block run while the condition holds, at most <see cref="Max"/> times.</summary>
public sealed record WhileStep(Condition Condition, int Max, IReadOnlyList<Step> Steps) : Step;

/// <summary>One block or the other, by a condition.</summary>
public sealed record IfStep(Condition Condition, IReadOnlyList<Step> Then, IReadOnlyList<Step> Else) : Step;

/// <summary>Sets variables of the user from templates (e.g. a key drawn once and used by two steps).</summary>
public sealed record SetStep(IReadOnlyList<(string Variable, Template Value)> Values) : Step;

/// <summary>A flow: steps run in order, once per iteration; an iteration picks one flow by weight.</summary>
public sealed record FlowDefinition(string Name, double Weight, IReadOnlyList<Step> Steps);

/// <summary>How a feeder hands out rows.</summary>
public enum FeederMode
{
    /// <summary>Row after row, starting over at the end; each user starts at its own place.</summary>
    Circular,
    /// <summary>Any row, each time.</summary>
    Random,
    /// <summary>Each row at most once in the whole run, over every worker.</summary>
    Unique,
}

/// <summary>When a user takes a row: once, before its setup (the account it logs in with), or at the start of every iteration.</summary>
public enum FeederTake { PerUser, PerIteration }

/// <summary>What a user does when a unique feeder has no row left for it.</summary>
public enum FeederExhausted { StopUser, Fail }

/// <summary>
/// A feeder: rows of named fields, read once by the node that loads the scenario (from a CSV or JSON file, or inline
/// <c>rows</c>) and carried with the scenario, so workers need no shared file system. <c>{{name.field}}</c> reads the
/// user's current row.
/// </summary>
public sealed record FeederDefinition(string Name, FeederMode Mode, IReadOnlyList<string> Fields, IReadOnlyList<string[]> Rows)
{
    public FeederTake Take { get; init; } = FeederTake.PerUser;
    public FeederExhausted OnExhausted { get; init; } = FeederExhausted.StopUser;
    public SourcePosition? Position { get; init; }

    /// <summary>The variable name of <paramref name="field"/>: <c>feeder.field</c>.</summary>
    public string VariableOf(string field) => $"{Name}.{field}";
}

/// <summary>
/// What a journey scenario's users do: feeders, the steps run once per user before its first iteration, and the
/// weighted flows. <see cref="Source"/> is the flows and setup as written (JSON), which the scenario's written form
/// carries so the loader can read it back anywhere.
/// </summary>
public sealed record Journey(
    IReadOnlyList<FeederDefinition> Feeders,
    IReadOnlyList<Step> Setup,
    IReadOnlyList<FlowDefinition> Flows,
    VariableTable Variables,
    string Source)
{
    /// <summary>A cookie jar per virtual user (<c>http.cookies</c>, on by default).</summary>
    public bool Cookies { get; init; } = true;

    /// <summary>The databases and caches its SQL and Redis steps use, by name.</summary>
    public IReadOnlyList<DatabaseDefinition> Databases { get; init; } = [];

    /// <summary>The C# modules its module steps run, by name, with their source.</summary>
    public IReadOnlyList<ModuleDefinition> Modules { get; init; } = [];

    /// <summary>Every request step, setup first, then each flow's in order.</summary>
    public IReadOnlyList<RequestStep> Requests => Series.OfType<RequestStep>().ToList();

    /// <summary>Every step that is a named series (requests, SQL, transactions, Redis), setup first, then each flow's in order.</summary>
    public IReadOnlyList<SeriesStep> Series => Setup.Concat(Flows.SelectMany(f => f.Steps)).SelectMany(Walk).OfType<SeriesStep>().ToList();

    /// <summary>Every group step, by name.</summary>
    public IReadOnlyList<GroupStep> Groups => Setup.Concat(Flows.SelectMany(f => f.Steps)).SelectMany(Walk).OfType<GroupStep>().ToList();

    /// <summary>Every named check, in the order the steps list them.</summary>
    public IReadOnlyList<Check> Checks => Series.SelectMany(s => s switch
    {
        RequestStep r => r.Checks,
        ModuleStep m => m.Checks,
        WsReceiveStep w => w.Checks,
        GrpcStep g => g.Checks,
        _ => [],
    }).ToList();

    /// <summary>Whether any step opens a WebSocket.</summary>
    public bool UsesWebSockets => Series.Any(s => s is WsConnectStep);

    /// <summary>The gRPC contract its grpc steps call; null when it has none.</summary>
    public GrpcDefinition? Grpc { get; init; }

    /// <summary>Whether any step makes a gRPC call.</summary>
    public bool UsesGrpc => Series.Any(s => s is GrpcStep);

    /// <summary>A step and every step nested in it, depth first.</summary>
    public static IEnumerable<Step> Walk(Step step)
    {
        yield return step;
        var children = step switch
        {
            GroupStep g => g.Steps,
            RepeatStep r => r.Steps,
            WhileStep w => w.Steps,
            IfStep i => i.Then.Concat(i.Else),
            TransactionStep t => t.Steps,
            _ => [],
        };
        foreach (var child in children)
        foreach (var nested in Walk(child))
            yield return nested;
    }

    public bool Equals(Journey? other) => other is not null && Source == other.Source && Cookies == other.Cookies &&
        Databases.SequenceEqual(other.Databases) && Modules.SequenceEqual(other.Modules) && Equals(Grpc, other.Grpc) &&
        Feeders.Count == other.Feeders.Count && Feeders.Zip(other.Feeders).All(p => p.First.Name == p.Second.Name && p.First.Rows.Count == p.Second.Rows.Count);

    public override int GetHashCode() => HashCode.Combine(Source, Cookies, Feeders.Count);
}
