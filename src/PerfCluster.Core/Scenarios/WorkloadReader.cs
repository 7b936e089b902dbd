using PerfCluster.Core.Hocon;
using PerfCluster.Core.Input;

namespace PerfCluster.Core.Scenarios;

/// <summary>
/// Reads how hard and how long one scenario loads the target: the closed model (<c>concurrent-users</c> with
/// <c>ramp-up</c>, or <c>stages</c> of users), or the open model (<c>arrival-rate</c>, constant or in stages, on a
/// pool of <c>pre-allocated-users</c>..<c>max-users</c>), and <c>warm-up</c>. Command-line overrides are applied
/// here, and rejected with the option's name where they make no sense for the model.
/// </summary>
internal sealed class WorkloadReader(Scope scenario, ScenarioOverrides? overrides)
{
    public const int DefaultPreAllocatedUsers = 10;

    /// <summary>The pool's ceiling when <c>max-users</c> is not given (or pre-allocated-users, when higher).</summary>
    public const int DefaultMaxUsers = 100;

    /// <summary>The message for think time in the open model (file key or --think-time).</summary>
    public const string OpenModelHasNoThinkTime = "the open model (arrival-rate) has no think time: each iteration is one request";

    public (ClosedLoad Load, OpenLoad? Open, TimeSpan WarmUp) Read()
    {
        var warmUp = WarmUp();
        if (scenario.Get("arrival-rate") is { } rate)
        {
            if (scenario.Get("scalability") is { } both)
                throw new ScenarioException($"'{both.Key}' is a closed-model shape (N users, then 2N); it cannot be combined with '{rate.Key}'", both.KeyPosition);
            var (load, open) = OpenModel(rate);
            return (load, open, warmUp);
        }
        RejectOpenModelKeys();
        if (scenario.Get("scalability") is { } phases) return (PhasedModel(phases, warmUp), null, warmUp);
        var closed = scenario.Get("stages") is { } stages ? StagedModel(stages) : LinearModel();
        return (closed, null, warmUp);
    }

    /// <summary>The closed model without stages: users start evenly over ramp-up and loop until the duration.</summary>
    private ClosedLoad LinearModel()
    {
        var usersField = scenario.Get("concurrent-users");
        var users = overrides?.Users ?? usersField?.Value.AsInt(usersField.Key) ?? scenario.Seed.Preset?.Users
            ?? throw scenario.Missing("concurrent-users");
        if (users < 1)
            throw Invalid(usersField, overrides?.Users is not null, "--users", $"must be at least 1 but is {users}");

        var duration = RequiredDuration();

        var rampField = scenario.Get("ramp-up");
        var rampUp = overrides?.RampUp ?? rampField?.Value.AsDuration(rampField.Key) ?? TimeSpan.Zero;
        var rampOverridden = overrides?.RampUp is not null;
        if (rampUp < TimeSpan.Zero)
            throw Invalid(rampField, rampOverridden, "--ramp-up", $"must be 0 or more but is {DurationText.Format(rampUp)}");
        if (rampUp > duration)
            throw Invalid(rampField, rampOverridden, "--ramp-up",
                $"({DurationText.Format(rampUp)}) must not be longer than the duration ({DurationText.Format(duration)})");

        return new ClosedLoad(users, duration, rampUp, Think(), GracefulStop());
    }

    /// <summary>
    /// The closed model with stages: the population starts at 0 and each stage moves linearly from the previous
    /// target to its own (a zero-duration stage is a jump). Users is the highest target, duration the stages' sum.
    /// </summary>
    private ClosedLoad StagedModel(HoconField stagesField)
    {
        var stages = Stages(stagesField, users: true);
        var highest = (int)stages.Max(s => s.Target);
        if (highest < 1)
            throw new ScenarioException($"'{stagesField.Key}' must reach at least 1 user but every target is 0", stagesField.Value.Position);
        var total = Total(stages, stagesField);

        if (scenario.Own?.Field("ramp-up") is { } ramp)
            throw new ScenarioException(
                $"'{ramp.Key}' cannot be combined with 'stages': the stages are the ramp (each moves linearly from the previous target to its own)",
                ramp.KeyPosition);
        if (overrides?.RampUp is not null)
            throw OverrideError("--ramp-up cannot be combined with stages: the stages are the ramp");
        if (overrides?.Duration is not null)
            throw OverrideError($"--duration cannot be combined with stages: the duration is the sum of the stage durations ({DurationText.Format(total)})");
        CheckDurationIsTotal(total, "the stage durations");

        if (scenario.Get("concurrent-users") is { } usersField)
        {
            var given = usersField.Value.AsInt(usersField.Key);
            if (given < highest)
                throw new ScenarioException(
                    $"'{usersField.Key}' ({given}) must be at least the highest stage target ({highest}); leave it out with stages",
                    usersField.Value.Position);
        }
        var users = highest;
        if (overrides?.Users is { } overridden)
        {
            if (overridden < highest)
                throw OverrideError($"--users ({overridden}) must be at least the highest stage target ({highest})");
            users = overridden;
        }

        return new ClosedLoad(users, total, TimeSpan.Zero, Think(), GracefulStop()) { Stages = stages };
    }

    /// <summary>
    /// The two-phase closed model of a module's scalability (<c>scalability { users = N, phase = 15s }</c>): N users through
    /// the warm-up and one phase, then 2N through a second. It is the whole shape, so the other closed-model keys are refused.
    /// </summary>
    private ClosedLoad PhasedModel(HoconField field, TimeSpan warmUp)
    {
        var obj = field.Value as HoconObject
            ?? throw new ScenarioException($"expected {{ users = 4, phase = 15s }} for '{field.Key}' but found {field.Value.Describe()}", field.Value.Position);
        var section = ScenarioKeys.Read(obj, ScenarioKeys.Scalability);
        foreach (var key in new[] { "concurrent-users", "duration", "stages", "ramp-up" })
            if (scenario.Get(key) is { } other)
                throw new ScenarioException(
                    $"'{other.Key}' cannot be combined with '{field.Key}': the scalability phases are the load (N users for a phase, then 2N for another)", other.KeyPosition);
        if (overrides?.Users is not null || overrides?.Duration is not null || overrides?.RampUp is not null)
            throw OverrideError("--users, --duration and --ramp-up cannot be combined with scalability phases: set scalability.users and scalability.phase");
        var u = section.Field("users") ?? throw new ScenarioException($"'{field.Key}' needs 'users': N, the concurrency of the first phase (the second runs 2N)", obj.Position);
        var users = u.Value.AsInt(u.Key);
        if (users is < 1 or > 500_000) throw new ScenarioException($"'{u.Key}' must be between 1 and 500000 but is {users}", u.Value.Position);
        var p = section.Field("phase") ?? throw new ScenarioException($"'{field.Key}' needs 'phase': how long each of the two phases runs (e.g. phase = 15s)", obj.Position);
        var phase = p.Value.AsDuration(p.Key);
        if (phase < TimeSpan.FromSeconds(3) || phase.Ticks % TimeSpan.TicksPerSecond != 0)
            throw new ScenarioException(
                $"'{p.Key}' must be whole seconds, at least 3s (each phase's throughput comes from its 1-second windows), but is {DurationText.Format(phase)}",
                p.Value.Position);
        if (warmUp.Ticks % TimeSpan.TicksPerSecond != 0 && scenario.Get("warm-up") is { } w)
            throw new ScenarioException(
                $"'{w.Key}' must be whole seconds with '{field.Key}' (the phases switch on a 1-second window's edge) but is {DurationText.Format(warmUp)}", w.Value.Position);
        var phases = new ScalabilityPhases(users, phase);
        return new ClosedLoad(2 * users, 2 * phase, TimeSpan.Zero, Think(), GracefulStop()) { Stages = phases.StagesAfter(warmUp), Phases = phases };
    }

    /// <summary>
    /// The open model: iterations start at a rate (constant, or following rate stages from <c>start</c>), each on a
    /// free user of the pool. <see cref="ClosedLoad.Users"/> carries the pool's ceiling.
    /// </summary>
    private (ClosedLoad Load, OpenLoad Open) OpenModel(HoconField rateField)
    {
        if (scenario.Own?.Field("concurrent-users") is { } users)
            throw NotInOpenModel(users, "its pool of users is sized by 'pre-allocated-users' and 'max-users'");
        if (scenario.Own?.Field("ramp-up") is { } ramp)
            throw NotInOpenModel(ramp, $"ramp the rate with {rateField.Key} {{ start = 0, stages = [...] }}");
        if (scenario.Own?.Field("think-time") is { } think)
            throw new ScenarioException($"'{think.Key}' cannot be used here: {OpenModelHasNoThinkTime}", think.KeyPosition);
        if (scenario.Own?.Field("stages") is { } stagesHere)
            throw NotInOpenModel(stagesHere, $"rate stages go inside {rateField.Key} {{ start = 0, stages = [...] }}");
        if (overrides?.Users is not null)
            throw OverrideError("--users does not apply to the open model (arrival-rate): its pool is sized by 'pre-allocated-users' and 'max-users'");
        if (overrides?.RampUp is not null)
            throw OverrideError("--ramp-up does not apply to the open model (arrival-rate): ramp the rate with arrival-rate { start, stages }");
        if (overrides?.ThinkTime is not null)
            throw OverrideError($"--think-time cannot be used here: {OpenModelHasNoThinkTime}");

        double rate;
        double start = 0;
        IReadOnlyList<Stage> stages = [];
        TimeSpan duration;
        if (rateField.Value is HoconObject obj)
        {
            var section = ScenarioKeys.Read(obj, ScenarioKeys.ArrivalRate);
            if (section.Field("start") is { } startField)
            {
                start = startField.Value.AsDouble(startField.Key);
                if (start < 0)
                    throw new ScenarioException(
                        $"'{startField.Key}' must be 0 or more iterations/s but is {startField.Value.AsString()}", startField.Value.Position);
            }
            var stagesField = section.Field("stages")
                ?? throw new ScenarioException(
                    $"'{rateField.Key}' as an object needs 'stages' (e.g. {{ start = 0, stages = [{{ duration = 30s, target = 100 }}] }}); " +
                    $"for a constant rate write {rateField.Key} = 50", obj.Position);
            stages = Stages(stagesField, users: false);
            rate = Math.Max(start, stages.Max(s => s.Target));
            if (!(rate > 0))
                throw new ScenarioException(
                    $"'{rateField.Key}' must reach a rate above 0 iterations/s but the start and every target are 0", stagesField.Value.Position);
            duration = Total(stages, stagesField);
            if (overrides?.Duration is not null)
                throw OverrideError(
                    $"--duration cannot be combined with stages: the duration is the sum of the stage durations ({DurationText.Format(duration)})");
            CheckDurationIsTotal(duration, $"the '{rateField.Key}' stage durations");
        }
        else
        {
            rate = rateField.Value.AsDouble(rateField.Key);
            if (!(rate > 0))
                throw new ScenarioException(
                    $"'{rateField.Key}' must be greater than 0 iterations/s but is {rateField.Value.AsString()}", rateField.Value.Position);
            duration = RequiredDuration();
        }

        var preField = scenario.Get("pre-allocated-users");
        var preAllocated = preField?.Value.AsInt(preField.Key) ?? DefaultPreAllocatedUsers;
        if (preAllocated < 1)
            throw new ScenarioException($"'{preField!.Key}' must be at least 1 but is {preAllocated}", preField.Value.Position);
        var maxField = scenario.Get("max-users");
        var maxUsers = maxField?.Value.AsInt(maxField.Key) ?? Math.Max(DefaultMaxUsers, preAllocated);
        if (maxUsers < preAllocated)
            throw new ScenarioException(
                $"'{maxField!.Key}' ({maxUsers}) must be at least '{preField?.Key ?? "pre-allocated-users"}' ({preAllocated})",
                maxField.Value.Position);

        var load = new ClosedLoad(maxUsers, duration, TimeSpan.Zero, ThinkTime.None, GracefulStop());
        var open = new OpenLoad(rate, preAllocated, maxUsers) { Stages = stages, StartRate = start };
        return (load, open);
    }

    /// <summary>The open model's pool keys have no meaning for a closed-model scenario that sets them itself.</summary>
    private void RejectOpenModelKeys()
    {
        foreach (var key in new[] { "pre-allocated-users", "max-users" })
        {
            if (scenario.Own?.Field(key) is { } field)
                throw new ScenarioException(
                    $"'{field.Key}' applies only to the open model: set 'arrival-rate', or use 'concurrent-users' or 'stages' for the closed model",
                    field.KeyPosition);
        }
    }

    /// <summary>
    /// A non-empty array of <c>{ duration, target }</c>: durations 0 or more with at least one above 0; targets
    /// 0 or more (whole users in the closed model, iterations/s in the open model).
    /// </summary>
    private static Stage[] Stages(HoconField field, bool users)
    {
        if (field.Value is not HoconArray array)
            throw new ScenarioException($"expected an array of stages for '{field.Key}' but found {field.Value.Describe()}", field.Value.Position);
        if (array.Count == 0)
            throw new ScenarioException($"'{field.Key}' must list at least one stage", array.Position);

        var example = users ? "{ duration = 30s, target = 50 }" : "{ duration = 30s, target = 100 }";
        var stages = new List<Stage>();
        foreach (var item in array.Items)
        {
            if (item is not HoconObject obj)
                throw new ScenarioException($"expected a stage ({example}) in '{field.Key}' but found {item.Describe()}", item.Position);
            var section = ScenarioKeys.Read(obj, ScenarioKeys.Stage);
            var durationField = section.Field("duration")
                ?? throw new ScenarioException($"a stage needs 'duration' (e.g. {example})", obj.Position);
            var targetField = section.Field("target")
                ?? throw new ScenarioException($"a stage needs 'target' (e.g. {example})", obj.Position);

            var duration = durationField.Value.AsDuration(durationField.Key);
            if (duration < TimeSpan.Zero)
                throw new ScenarioException(
                    $"'{durationField.Key}' of a stage must be 0 or more but is {DurationText.Format(duration)}", durationField.Value.Position);
            double target = users ? targetField.Value.AsInt(targetField.Key) : targetField.Value.AsDouble(targetField.Key);
            if (target < 0)
                throw new ScenarioException(
                    $"'{targetField.Key}' of a stage must be 0 or more {(users ? "users" : "iterations/s")} but is {targetField.Value.AsString()}",
                    targetField.Value.Position);
            stages.Add(new Stage(duration, target));
        }
        if (stages.All(s => s.Duration == TimeSpan.Zero))
            throw new ScenarioException(
                $"'{field.Key}' needs at least one stage with a duration above 0 (a stage of 0s is a jump)", array.Position);
        return stages.ToArray();
    }

    private static TimeSpan Total(IReadOnlyList<Stage> stages, HoconField field)
    {
        var ticks = stages.Sum(s => (double)s.Duration.Ticks);
        if (ticks > TimeSpan.MaxValue.Ticks / 2.0)
            throw new ScenarioException($"the durations of '{field.Key}' add up to more than can be run", field.Value.Position);
        return TimeSpan.FromTicks(stages.Sum(s => s.Duration.Ticks));
    }

    /// <summary>With stages, <c>duration</c> may be given only as their sum.</summary>
    private void CheckDurationIsTotal(TimeSpan total, string what)
    {
        if (scenario.Get("duration") is not { } field) return;
        var duration = field.Value.AsDuration(field.Key);
        if (duration != total)
            throw new ScenarioException(
                $"'{field.Key}' ({DurationText.Format(duration)}) must equal the sum of {what} ({DurationText.Format(total)}); " +
                "leave it out with stages",
                field.Value.Position);
    }

    private TimeSpan RequiredDuration()
    {
        var field = scenario.Get("duration");
        var duration = overrides?.Duration ?? field?.Value.AsDuration(field.Key) ?? scenario.Seed.Preset?.Duration
            ?? throw scenario.Missing("duration");
        if (duration <= TimeSpan.Zero)
            throw Invalid(field, overrides?.Duration is not null, "--duration",
                $"must be greater than 0 but is {DurationText.Format(duration)}");
        return duration;
    }

    private ThinkTime Think()
    {
        var field = scenario.Get("think-time");
        var think = overrides?.ThinkTime is { } thinkOverride
            ? new ThinkTime(thinkOverride, TimeSpan.Zero)
            : ReadThink(field);
        if (think.Mean < TimeSpan.Zero)
            throw Invalid(field, overrides?.ThinkTime is not null, "--think-time",
                $"must be 0 or more but is {DurationText.Format(think.Mean)}");
        return think;
    }

    private static ThinkTime ReadThink(HoconField? field)
    {
        if (field is null) return ThinkTime.None;
        if (field.Value is not HoconObject obj)
            return new ThinkTime(field.Value.AsDuration(field.Key), TimeSpan.Zero);

        var section = ScenarioKeys.Read(obj, ScenarioKeys.ThinkTime);
        var mean = section.Field("mean") is { } m ? m.Value.AsDuration(m.Key) : TimeSpan.Zero;
        var jitter = section.Field("jitter") is { } j ? j.Value.AsDuration(j.Key) : TimeSpan.Zero;
        if (jitter < TimeSpan.Zero)
            throw new ScenarioException(
                $"'{section.Field("jitter")!.Key}' must be 0 or more but is {DurationText.Format(jitter)}",
                section.Value("jitter")!.Position);
        if (mean < TimeSpan.Zero)
            throw new ScenarioException(
                $"'{section.Field("mean")!.Key}' must be 0 or more but is {DurationText.Format(mean)}", section.Value("mean")!.Position);
        return new ThinkTime(mean, jitter);
    }

    private TimeSpan GracefulStop()
    {
        var field = scenario.Get("graceful-stop");
        var gracefulStop = field?.Value.AsDuration(field.Key) ?? ClosedLoad.DefaultGracefulStop;
        if (gracefulStop < TimeSpan.Zero)
            throw Invalid(field, false, "", $"must be 0 or more but is {DurationText.Format(gracefulStop)}");
        return gracefulStop;
    }

    private TimeSpan WarmUp()
    {
        if (scenario.Get("warm-up") is not { } field) return TimeSpan.Zero;
        var warmUp = field.Value.AsDuration(field.Key);
        if (warmUp < TimeSpan.Zero)
            throw new ScenarioException($"'{field.Key}' must be 0 or more but is {DurationText.Format(warmUp)}", field.Value.Position);
        return warmUp;
    }

    private static ScenarioException NotInOpenModel(HoconField field, string instead) =>
        new($"'{field.Key}' cannot be used here: the open model (arrival-rate) does not take it; {instead}", field.KeyPosition);

    private ScenarioException OverrideError(string problem) =>
        new($"{problem} (scenario '{scenario.Seed.Name}')");

    private ScenarioException Invalid(HoconField? field, bool overridden, string option, string problem) =>
        overridden || field is null
            ? new ScenarioException($"{(option.Length > 0 ? option : "value")} {problem} (scenario '{scenario.Seed.Name}')")
            : new ScenarioException($"'{field.Key}' {problem}", field.Value.Position);
}
