using PerfCluster.Core.Metrics;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Results;
using PerfCluster.Core.Input;

namespace PerfCluster.Core.Thresholds;

/// <summary>Checks thresholds before a run (so bad ones fail before any load is sent) and evaluates them after it.</summary>
public static class ThresholdEvaluator
{
    /// <summary>
    /// Parses every threshold of <paramref name="scenario"/> and checks that endpoint-scoped ones name an endpoint
    /// of the scenario. Throws the first problem as a <see cref="ScenarioException"/> at the threshold's position.
    /// </summary>
    public static IReadOnlyList<ThresholdExpression> ValidateScenario(ScenarioDefinition scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var parsed = new List<ThresholdExpression>(scenario.Thresholds.Count);
        foreach (var definition in scenario.Thresholds)
        {
            var expression = ThresholdExpression.Parse(definition);
            if (definition.Endpoint is { } endpoint && !scenario.Endpoints.Any(e => e.Name == endpoint))
            {
                var known = scenario.Endpoints.Count == 0 ? "(none)" : string.Join(", ", scenario.Endpoints.Select(e => e.Name));
                throw new ScenarioException(
                    $"threshold \"{expression.Definition.Expression.Trim()}\" is scoped to endpoint '{endpoint}', which scenario " +
                    $"'{scenario.Name}' does not define; expected one of: {known}",
                    definition.Position);
            }
            var subject = expression.Metric.Subject;
            ThresholdSubject? wanted = definition.Flow != null ? ThresholdSubject.Flow : definition.Check != null ? ThresholdSubject.Check : null;
            if (wanted is { } scope && subject != scope)
                throw new ScenarioException(
                    $"threshold \"{expression.Definition.Expression.Trim()}\" is scoped to {definition.Scope}, which takes " +
                    (scope == ThresholdSubject.Flow
                        ? "iteration_duration <p50..max>, iterations, failed_iterations or failed_rate"
                        : "rate, passes or failures"),
                    definition.Position);
            if (wanted is null && (subject is ThresholdSubject.Flow or ThresholdSubject.Check))
                throw new ScenarioException(
                    $"'{expression.Metric.Name}' in threshold \"{expression.Definition.Expression.Trim()}\" is measured on " +
                    (subject == ThresholdSubject.Flow ? "a flow: scope it with { flow = NAME, threshold = ... }" : "a check: scope it with { check = NAME, threshold = ... }"),
                    definition.Position);
            if (subject == ThresholdSubject.Checks && (scenario.Journey?.Checks.Count ?? 0) == 0)
                throw new ScenarioException($"threshold \"{expression.Definition.Expression.Trim()}\" uses checks, but scenario '{scenario.Name}' has no named checks", definition.Position);
            parsed.Add(expression);
        }
        return parsed;
    }

    /// <summary><see cref="ValidateScenario"/> for every scenario of a plan, in order.</summary>
    public static IReadOnlyList<ThresholdExpression> ValidatePlan(TestPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return plan.Scenarios.SelectMany(ValidateScenario).ToList();
    }

    /// <summary>
    /// Evaluates every threshold of <paramref name="scenario"/> against <paramref name="stats"/>, in definition order.
    /// Endpoint-scoped thresholds read <see cref="ScenarioStatistics.Endpoints"/> by name. Where no request was
    /// measured (for the endpoint, or for the whole scenario), latency and error_rate thresholds fail with a NaN
    /// actual and a note saying so, rather than passing on empty figures.
    /// </summary>
    public static IReadOnlyList<ThresholdResult> Evaluate(ScenarioDefinition scenario, ScenarioStatistics stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        return ValidateScenario(scenario).Select(e => Evaluate(e, scenario, stats)).ToList();
    }

    private static ThresholdResult Evaluate(ThresholdExpression expression, ScenarioDefinition scenario, ScenarioStatistics stats)
    {
        if (expression.Metric.Subject != ThresholdSubject.Requests) return EvaluateJourney(expression, scenario, stats);
        var endpoint = expression.Definition.Endpoint;
        var data = endpoint is null ? stats.Overall : stats.Endpoints.FirstOrDefault(e => e.Name == endpoint);
        var noRequests = data is null || data.Requests <= 0;
        var emptyNote = endpoint is null
            ? $"scenario '{scenario.Name}' completed no requests"
            : $"endpoint '{endpoint}' received no requests";

        double actual;
        string? note = null;
        if (noRequests && expression.Metric.Kind is ThresholdMetricKind.Latency or ThresholdMetricKind.ErrorRate)
        {
            actual = double.NaN;
            note = emptyNote;
        }
        else if (data is null)
        {
            actual = 0;
            note = emptyNote;
        }
        else
        {
            actual = expression.Metric.ValueOf(data);
            if (double.IsNaN(actual)) note = "no value was measured";
        }

        return Result(expression, actual, note);
    }

    /// <summary>Flow-, check- and checks-scoped thresholds; nothing measured is a NaN actual, which fails.</summary>
    private static ThresholdResult EvaluateJourney(ThresholdExpression expression, ScenarioDefinition scenario, ScenarioStatistics stats)
    {
        var d = expression.Definition;
        double actual;
        string? note = null;
        switch (expression.Metric.Subject)
        {
            case ThresholdSubject.Flow:
                var flow = stats.Flows.FirstOrDefault(f => f.Name == d.Flow);
                actual = flow is null ? double.NaN : expression.Metric.ValueOf(flow);
                if (flow is null || flow.Iterations == 0) note = $"flow '{d.Flow}' ran no iteration";
                break;
            case ThresholdSubject.Check:
                var check = stats.Checks.Where(c => c.Name == d.Check).ToList();
                actual = expression.Metric.ValueOf(check);
                if (check.Sum(c => c.Total) == 0) note = $"check '{d.Check}' was never evaluated";
                break;
            default:
                IReadOnlyList<CheckStatistics> checks = stats.Checks;
                if (d.Endpoint is { } step && scenario.Journey is { } journey)
                {
                    var names = journey.Requests.Where(r => r.Name == step).SelectMany(r => r.Checks).Select(c => c.Name).ToHashSet();
                    checks = stats.Checks.Where(c => names.Contains(c.Name)).ToList();
                }
                actual = expression.Metric.ValueOf(checks);
                if (checks.Sum(c => c.Total) == 0) note = "no check was evaluated";
                break;
        }
        if (double.IsNaN(actual)) note ??= "no value was measured";
        return Result(expression, actual, note);
    }

    private static ThresholdResult Result(ThresholdExpression expression, double actual, string? note)
    {
        return new ThresholdResult(
            expression.Definition,
            expression.Metric.Name,
            expression.Operator,
            expression.Limit,
            actual,
            expression.IsSatisfiedBy(actual),
            expression.Scope)
        {
            Note = note,
        };
    }
}
