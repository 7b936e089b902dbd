using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using PerfCluster.Core.Input;
using PerfCluster.Core.Thresholds;

namespace PerfCluster.Core.Optimisation;

public enum ObjectiveGoal { Maximize, Minimize }

/// <summary>One weighted objective: a report metric to raise or lower.</summary>
public sealed record Objective(StudyMetric Metric, ObjectiveGoal Goal, double Weight)
{
    public SourcePosition? Position { get; init; }

    public string Describe() => $"{Metric.Describe()} {(Goal == ObjectiveGoal.Maximize ? "maximize" : "minimize")} {Weight.ToString("0.###", CultureInfo.InvariantCulture)}";
}

/// <summary>An SLO a configuration must meet to count at all (<c>"p95 &lt; 2s"</c>): a trial that breaks one is infeasible.</summary>
public sealed record Constraint(string Text, StudyMetric Metric, ThresholdOperator Operator, double Limit)
{
    public SourcePosition? Position { get; init; }

    /// <summary>NaN (nothing measured) never holds.</summary>
    public bool Holds(double value) => Operator.Holds(value, Limit);
}

/// <summary>How a configuration reaches the system under test.</summary>
public abstract record ApplyMethod;

/// <summary>An HTTP request whose body is the <see cref="Body"/> template (default: the parameters as a JSON object); 2xx is success.</summary>
public sealed record HttpApply(Uri Url, string Method, string? Body, IReadOnlyDictionary<string, string> Headers) : ApplyMethod;

/// <summary>A command: its arguments are templates of the parameters; with <see cref="Environment"/> each parameter is also an
/// environment variable (upper case, <c>PERFCLUSTER_PARAM_</c> prefix); exit code 0 is success.</summary>
public sealed record CommandApply(string Program, IReadOnlyList<string> Arguments, bool Environment) : ApplyMethod;

/// <summary>The apply method, then a readiness URL that must answer 2xx and/or a settle time before the trial's load starts.</summary>
public sealed record ApplyDefinition(ApplyMethod Method, Uri? Readiness, TimeSpan Settle, TimeSpan Timeout);

/// <summary>
/// The <c>optimize</c> block: what may change (parameters with their current values, which make the baseline trial), what
/// is better (weighted objectives, normalised against the baseline), what must hold (constraints), how much may be spent
/// (trials, wall time), when to stop early (convergence) and how a configuration is applied.
/// </summary>
public sealed record StudyDefinition
{
    public const double DefaultConvergence = 0.05;
    public const int DefaultPatience = 5;
    public const int DefaultMaxTrials = 20;
    public static readonly TimeSpan DefaultMaxTime = TimeSpan.FromHours(1);

    public required string Name { get; init; }
    public required SearchSpace Space { get; init; }
    /// <summary>The system's current values: the baseline trial.</summary>
    public required IReadOnlyDictionary<string, object> Start { get; init; }
    public required IReadOnlyList<Objective> Objectives { get; init; }
    public IReadOnlyList<Constraint> Constraints { get; init; } = [];
    public int MaxTrials { get; init; } = DefaultMaxTrials;
    public TimeSpan MaxTime { get; init; } = DefaultMaxTime;
    /// <summary>Trials of the space-filling design, the baseline included.</summary>
    public int InitialTrials { get; init; }
    /// <summary>Stop when the expected improvement stays under this share of the incumbent...</summary>
    public double Convergence { get; init; } = DefaultConvergence;
    /// <summary>...for this many proposals in a row.</summary>
    public int Patience { get; init; } = DefaultPatience;
    /// <summary>How many times the incumbent is measured again before it is declared best.</summary>
    public int Remeasure { get; init; } = 1;
    public int Seed { get; init; } = 1;
    /// <summary>Stop a trial whose first windows already break a constraint far beyond the baseline.</summary>
    public bool EarlyStop { get; init; } = true;
    public required ApplyDefinition Apply { get; init; }
    /// <summary>The scenario whose figures are scored (the plan's first when null).</summary>
    public string? Scenario { get; init; }
    /// <summary>Notes on how the block was read (an objective dropped for want of a monitor, say).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
    public SourcePosition? Position { get; init; }

    public static int DefaultInitial(SearchSpace space) => Math.Clamp(space.Parameters.Count / 2 + 2, 3, 6);

    /// <summary>What must not change for <c>--resume</c> to continue a study: the space, the start, the objectives and constraints.</summary>
    public string Hash
    {
        get
        {
            var text = new StringBuilder();
            foreach (var p in Space.Parameters)
                text.Append(CultureInfo.InvariantCulture, $"{p.Name}|{p.Kind}|{(p.Log ? "log" : "lin")}|{p.Min:R}|{p.Max:R}|{p.Step:R}|{string.Join(",", p.Choices)}|{Format(Start[p.Name])};");
            foreach (var o in Objectives) text.Append(o.Describe()).Append(';');
            foreach (var c in Constraints) text.Append(c.Text).Append(';');
            text.Append(Scenario).Append(';').Append(Seed);
            return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16].ToLowerInvariant();
        }
    }

    /// <summary>A configuration for people: <c>db_pool_size=40, compression_enabled=true</c>.</summary>
    public static string Describe(IReadOnlyDictionary<string, object> values) => Describe(values.Select(v => KeyValuePair.Create(v.Key, Format(v.Value))));

    /// <inheritdoc cref="Describe(IReadOnlyDictionary{string, object})"/>
    public static string Describe(IEnumerable<KeyValuePair<string, string>> values) => string.Join(", ", values.Select(v => $"{v.Key}={v.Value}"));

    /// <summary>A parameter value as text: integers whole, reals to six significant digits, booleans lower case.</summary>
    public static string Format(object value) => value switch
    {
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("0.######", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
