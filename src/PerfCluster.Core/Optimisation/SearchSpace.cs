namespace PerfCluster.Core.Optimisation;

/// <summary>How one tuned parameter of the system under test varies.</summary>
public enum ParameterKind { Integer, Real, Boolean, Choice }

/// <summary>
/// One parameter of <c>optimize.parameters</c>: an integer range with a step, a real range, a boolean or a list of
/// choices, and the system's current value (the baseline trial).
/// </summary>
public sealed record ParameterDefinition(string Name, ParameterKind Kind)
{
    public double Min { get; init; }
    public double Max { get; init; }
    /// <summary>Integers: the values are Min, Min + Step, … up to Max.</summary>
    public double Step { get; init; } = 1;
    public IReadOnlyList<string> Choices { get; init; } = [];

    /// <summary>Numbers on a log scale (<c>scale = log</c>): the search sees 1→10 as far as 10→100. Needs Min above 0.</summary>
    public bool Log { get; init; }

    /// <summary>The value at a coordinate of the cube (before rounding to the step).</summary>
    public double ValueAt(double unit) => Log
        ? Math.Exp(Math.Log(Min) + Math.Clamp(unit, 0, 1) * (Math.Log(Max) - Math.Log(Min)))
        : Min + Math.Clamp(unit, 0, 1) * (Max - Min);

    /// <summary>The coordinate of the cube of a value.</summary>
    public double UnitOf(double value) => Max <= Min ? 0 : Log
        ? Math.Clamp((Math.Log(value) - Math.Log(Min)) / (Math.Log(Max) - Math.Log(Min)), 0, 1)
        : Math.Clamp((value - Min) / (Max - Min), 0, 1);

    /// <summary>An integer parameter's valid value nearest to <paramref name="value"/>.</summary>
    public long RoundToStep(double value) => (long)Math.Clamp(Min + Math.Round((value - Min) / Step) * Step, Min, Min + Math.Floor((Max - Min) / Step) * Step);

    /// <summary>Dimensions in the search's unit cube: one, or one per choice (one-hot).</summary>
    public int Dimensions => Kind == ParameterKind.Choice ? Choices.Count : 1;

    public static ParameterDefinition Integer(string name, long min, long max, long step = 1) =>
        new(name, ParameterKind.Integer) { Min = min, Max = max, Step = step };

    public static ParameterDefinition Real(string name, double min, double max) => new(name, ParameterKind.Real) { Min = min, Max = max };

    public static ParameterDefinition Boolean(string name) => new(name, ParameterKind.Boolean) { Min = 0, Max = 1 };

    public static ParameterDefinition Choice(string name, params string[] choices) => new(name, ParameterKind.Choice) { Choices = choices };
}

/// <summary>
/// The parameters as a unit cube the Gaussian process works in. A point of the cube is snapped to a configuration
/// before anything looks at it: integers round to their step, a boolean to 0 or 1, a choice's one-hot block to its
/// largest coordinate. Fitting and the acquisition both see snapped points only, so the surrogate is flat between valid
/// configurations and never proposes a point between two of them (the transformation of Garrido-Merchán and
/// Hernández-Lobato for integer and categorical variables).
/// </summary>
public sealed class SearchSpace
{
    public SearchSpace(IReadOnlyList<ParameterDefinition> parameters)
    {
        if (parameters.Count == 0) throw new ArgumentException("a search space needs at least one parameter", nameof(parameters));
        Parameters = parameters;
        Dimensions = parameters.Sum(p => p.Dimensions);
    }

    public IReadOnlyList<ParameterDefinition> Parameters { get; }

    public int Dimensions { get; }

    /// <summary>The nearest valid configuration of a point of the cube (a new array).</summary>
    public double[] Snap(IReadOnlyList<double> point)
    {
        var snapped = new double[Dimensions];
        var d = 0;
        foreach (var p in Parameters)
        {
            switch (p.Kind)
            {
                case ParameterKind.Real:
                    snapped[d] = Math.Clamp(point[d], 0, 1);
                    break;
                case ParameterKind.Boolean:
                    snapped[d] = point[d] >= 0.5 ? 1 : 0;
                    break;
                case ParameterKind.Integer when p.Log:
                    snapped[d] = p.UnitOf(p.RoundToStep(p.ValueAt(point[d])));
                    break;
                case ParameterKind.Integer:
                {
                    var steps = Math.Max(1, Math.Round((p.Max - p.Min) / p.Step));
                    snapped[d] = Math.Round(Math.Clamp(point[d], 0, 1) * steps) / steps;
                    break;
                }
                case ParameterKind.Choice:
                {
                    var best = 0;
                    for (var i = 1; i < p.Choices.Count; i++)
                        if (point[d + i] > point[d + best]) best = i;
                    snapped[d + best] = 1;
                    break;
                }
            }
            d += p.Dimensions;
        }
        return snapped;
    }

    /// <summary>A configuration's values by parameter name: numbers as doubles (integers whole), booleans, choices as text.</summary>
    public IReadOnlyDictionary<string, object> Decode(IReadOnlyList<double> point)
    {
        var snapped = Snap(point);
        var values = new Dictionary<string, object>(StringComparer.Ordinal);
        var d = 0;
        foreach (var p in Parameters)
        {
            values[p.Name] = p.Kind switch
            {
                ParameterKind.Real => p.ValueAt(snapped[d]),
                ParameterKind.Integer when p.Log => (object)p.RoundToStep(p.ValueAt(snapped[d])),
                ParameterKind.Integer => (object)(long)Math.Round(p.Min + snapped[d] * Math.Max(1, Math.Round((p.Max - p.Min) / p.Step)) * p.Step),
                ParameterKind.Boolean => snapped[d] >= 0.5,
                _ => p.Choices[Enumerable.Range(0, p.Choices.Count).First(i => snapped[d + i] > 0.5)],
            };
            d += p.Dimensions;
        }
        return values;
    }

    /// <summary>The point of the cube for a configuration (the baseline's current values, say).</summary>
    public double[] Encode(IReadOnlyDictionary<string, object> values)
    {
        var point = new double[Dimensions];
        var d = 0;
        foreach (var p in Parameters)
        {
            var value = values[p.Name];
            switch (p.Kind)
            {
                case ParameterKind.Choice:
                    point[d + p.Choices.ToList().IndexOf(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!)] = 1;
                    break;
                case ParameterKind.Boolean:
                    point[d] = Convert.ToBoolean(value, System.Globalization.CultureInfo.InvariantCulture) ? 1 : 0;
                    break;
                default:
                    var x = Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture);
                    point[d] = p.UnitOf(x);
                    break;
            }
            d += p.Dimensions;
        }
        return Snap(point);
    }
}
