namespace PerfCluster.Core.Thresholds;

/// <summary>How a measured value is compared with a threshold's limit: <c>actual OP limit</c> must hold.</summary>
public enum ThresholdOperator
{
    LessThan,
    LessThanOrEqual,
    GreaterThan,
    GreaterThanOrEqual,
    Equal,
    NotEqual,
}

public static class ThresholdOperators
{
    /// <summary>The symbols accepted in threshold expressions, in the order error messages list them.</summary>
    public static readonly IReadOnlyList<string> Symbols = ["<", "<=", ">", ">=", "==", "!="];

    public static string Symbol(this ThresholdOperator op) => op switch
    {
        ThresholdOperator.LessThan => "<",
        ThresholdOperator.LessThanOrEqual => "<=",
        ThresholdOperator.GreaterThan => ">",
        ThresholdOperator.GreaterThanOrEqual => ">=",
        ThresholdOperator.Equal => "==",
        _ => "!=",
    };

    public static bool TryParse(string symbol, out ThresholdOperator op)
    {
        switch (symbol)
        {
            case "<": op = ThresholdOperator.LessThan; return true;
            case "<=": op = ThresholdOperator.LessThanOrEqual; return true;
            case ">": op = ThresholdOperator.GreaterThan; return true;
            case ">=": op = ThresholdOperator.GreaterThanOrEqual; return true;
            case "==": op = ThresholdOperator.Equal; return true;
            case "!=": op = ThresholdOperator.NotEqual; return true;
            default: op = default; return false;
        }
    }

    /// <summary>Whether <c>actual OP limit</c> holds. A NaN actual (nothing measured) never holds, whatever the operator.</summary>
    public static bool Holds(this ThresholdOperator op, double actual, double limit)
    {
        if (double.IsNaN(actual) || double.IsNaN(limit)) return false;
        return op switch
        {
            ThresholdOperator.LessThan => actual < limit,
            ThresholdOperator.LessThanOrEqual => actual <= limit,
            ThresholdOperator.GreaterThan => actual > limit,
            ThresholdOperator.GreaterThanOrEqual => actual >= limit,
            ThresholdOperator.Equal => actual == limit,
            _ => actual != limit,
        };
    }

    /// <summary>True for &lt; and &lt;=: the threshold caps a value from above.</summary>
    public static bool IsUpperBound(this ThresholdOperator op) =>
        op is ThresholdOperator.LessThan or ThresholdOperator.LessThanOrEqual;

    /// <summary>True for &gt; and &gt;=: the threshold demands at least a value.</summary>
    public static bool IsLowerBound(this ThresholdOperator op) =>
        op is ThresholdOperator.GreaterThan or ThresholdOperator.GreaterThanOrEqual;
}
