using PerfCluster.Core.Scenarios;
using Xunit;
using PerfCluster.Core.Input;

namespace PerfCluster.Core.Tests.Scenarios;

/// <summary>The workload keys: closed-model stages, the open model (arrival-rate), warm-up, and the overrides they rule out.</summary>
public class WorkloadModelSpecs
{
    private const string Target = "target = \"http://h:1\"\n";

    /// <summary>Lines 2-5 hold the stages; the next key is on line 6.</summary>
    private const string Staged = Target + "stages = [\n  { duration = 10s, target = 50 }\n  { duration = 1m, target = 50 }\n]\n";

    /// <summary>The next key is on line 4.</summary>
    private const string Constant = Target + "arrival-rate = 50\nduration = 30s\n";

    private static ScenarioDefinition LoadOne(string text, ScenarioOverrides? overrides = null) =>
        Assert.Single(ScenarioLoader.LoadText(text, "test.conf", overrides).Scenarios);

    private static ScenarioException Fails(string text, ScenarioOverrides? overrides = null) =>
        Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadText(text, "test.conf", overrides));

    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    [Fact]
    public void Should_read_closed_model_stages_with_users_the_highest_target_and_duration_their_sum()
    {
        var s = LoadOne(Target + """
            think-time = 1s
            stages = [
              { duration = 10s, target = 50 },
              { duration = 1m, target = 50 },
              { duration = 0s, target = 300 },
              { duration = 20s, target = 0 }
            ]
            """);

        Assert.False(s.IsOpen);
        Assert.Null(s.Open);
        Assert.Equal([new Stage(S(10), 50), new Stage(S(60), 50), new Stage(S(0), 300), new Stage(S(20), 0)], s.Load.Stages);
        Assert.Equal((300, S(90), TimeSpan.Zero), (s.Load.Users, s.Load.Duration, s.Load.RampUp));
        Assert.Equal(new ThinkTime(S(1), TimeSpan.Zero), s.Load.Think);
        Assert.Equal(ClosedLoad.DefaultGracefulStop, s.Load.GracefulStop);
        Assert.Equal(TimeSpan.Zero, s.WarmUp);
    }

    [Fact]
    public void Should_accept_concurrent_users_and_duration_beside_stages_when_they_agree()
    {
        var s = LoadOne(Staged + "concurrent-users = 80\nduration = 70s");

        Assert.Equal((50, S(70)), (s.Load.Users, s.Load.Duration));
    }

    [Fact]
    public void Should_keep_the_linear_ramp_without_stages()
    {
        var s = LoadOne(Target + "concurrent-users = 5\nduration = 10s\nramp-up = 2s");

        Assert.Empty(s.Load.Stages);
        Assert.False(s.IsOpen);
        Assert.Equal((5, S(2)), (s.Load.Users, s.Load.RampUp));
    }

    [Fact]
    public void Should_read_a_constant_arrival_rate_with_the_default_pool()
    {
        var s = LoadOne(Constant + "graceful-stop = 5s");

        Assert.True(s.IsOpen);
        var open = s.Open!;
        Assert.Equal((50.0, 0.0, 10, 100), (open.Rate, open.StartRate, open.PreAllocatedUsers, open.MaxUsers));
        Assert.Empty(open.Stages);
        Assert.Equal(new ClosedLoad(100, S(30), TimeSpan.Zero, ThinkTime.None, S(5)), s.Load);
    }

    [Theory]
    [InlineData("pre-allocated-users = 20\nmax-users = 500", 20, 500)]
    [InlineData("pre-allocated-users = 150", 150, 150)]
    [InlineData("max-users = 10", 10, 10)]
    [InlineData("pre_allocated_users = 2\nmax_users = 3", 2, 3)]
    public void Should_size_the_pool_from_pre_allocated_and_max_users(string keys, int preAllocated, int max)
    {
        var s = LoadOne(Constant + keys);

        Assert.Equal((preAllocated, max), (s.Open!.PreAllocatedUsers, s.Open.MaxUsers));
        Assert.Equal(max, s.Load.Users);
    }

    [Fact]
    public void Should_accept_a_fractional_rate()
    {
        Assert.Equal(0.5, LoadOne(Target + "arrival-rate = 0.5\nduration = 1m").Open!.Rate);
    }

    [Fact]
    public void Should_read_a_ramping_arrival_rate_with_duration_the_sum_of_its_stages()
    {
        var s = LoadOne(Target + """
            arrival-rate {
              start = 5
              stages = [
                { duration = 30s, target = 200 },
                { duration = 1m, target = 200 },
                { duration = 0s, target = 20.5 },
                { duration = 10s, target = 0 }
              ]
            }
            max-users = 400
            """);

        var open = s.Open!;
        Assert.Equal((200.0, 5.0, 10, 400), (open.Rate, open.StartRate, open.PreAllocatedUsers, open.MaxUsers));
        Assert.Equal([new Stage(S(30), 200), new Stage(S(60), 200), new Stage(S(0), 20.5), new Stage(S(10), 0)], open.Stages);
        Assert.Equal(new ClosedLoad(400, S(100), TimeSpan.Zero, ThinkTime.None, ClosedLoad.DefaultGracefulStop), s.Load);
    }

    [Fact]
    public void Should_take_the_start_as_the_rate_when_it_is_the_highest()
    {
        var s = LoadOne(Target + "arrival-rate { start = 80, stages = [{ duration = 10s, target = 0 }] }\nduration = 10s");

        Assert.Equal((80.0, 80.0), (s.Open!.Rate, s.Open.StartRate));
        Assert.Equal(S(10), s.Load.Duration);
    }

    [Fact]
    public void Should_read_warm_up_in_either_model()
    {
        Assert.Equal(S(10), LoadOne(Constant + "warm-up = 10s").WarmUp);
        Assert.Equal(TimeSpan.FromMilliseconds(500), LoadOne(Staged + "warm_up = 500ms").WarmUp);
        Assert.Equal(TimeSpan.Zero, LoadOne(Staged + "warm-up = 0s").WarmUp);
    }

    [Fact]
    public void Should_read_snake_case_spellings_of_the_new_keys()
    {
        var kebab = LoadOne(Target + "arrival-rate { start = 1, stages = [{ duration = 5s, target = 9 }] }\npre-allocated-users = 3\nmax-users = 7\nwarm-up = 2s");
        var snake = LoadOne(Target + "arrival_rate { start = 1, stages = [{ duration = 5s, target = 9 }] }\npre_allocated_users = 3\nmax_users = 7\nwarm_up = 2s");
        var json = LoadOne("""
            { "target": "http://h:1", "arrival_rate": { "start": 1, "stages": [ { "duration": "5s", "target": 9 } ] },
              "pre_allocated_users": 3, "max_users": 7, "warm_up": 2 }
            """);

        Assert.Equal((kebab.Open!.Rate, kebab.Open.StartRate, kebab.Open.Stages.Single()), (snake.Open!.Rate, snake.Open.StartRate, snake.Open.Stages.Single()));
        Assert.Equal((kebab.Open.PreAllocatedUsers, kebab.Open.MaxUsers), (json.Open!.PreAllocatedUsers, json.Open.MaxUsers));
        Assert.Equal(kebab.Load, snake.Load);
        Assert.Equal(kebab.Load, json.Load);
        Assert.Equal((S(2), S(2)), (snake.WarmUp, json.WarmUp));
    }

    [Fact]
    public void Should_inherit_warm_up_and_the_pool_from_the_plan()
    {
        var plan = ScenarioLoader.LoadText(Target + """
            warm-up = 5s
            pre-allocated-users = 4
            max-users = 40
            think-time = 1s
            ramp-up = 2s
            scenarios = [
              { name = open, arrival-rate = 10, duration = 20s },
              { name = own-pool, arrival-rate = 10, duration = 20s, max-users = 8, warm-up = 0s },
              { name = closed, concurrent-users = 3, duration = 20s },
              { name = staged, stages = [{ duration = 20s, target = 6 }] }
            ]
            """, "test.conf");

        var (open, ownPool, closed, staged) = (plan.Scenarios[0], plan.Scenarios[1], plan.Scenarios[2], plan.Scenarios[3]);
        Assert.Equal((S(5), 4, 40), (open.WarmUp, open.Open!.PreAllocatedUsers, open.Open.MaxUsers));
        // The plan's think-time and ramp-up are for closed-model scenarios; the open model has neither.
        Assert.Equal((ThinkTime.None, TimeSpan.Zero), (open.Load.Think, open.Load.RampUp));
        Assert.Equal((TimeSpan.Zero, 4, 8), (ownPool.WarmUp, ownPool.Open!.PreAllocatedUsers, ownPool.Open.MaxUsers));
        // The plan's pool keys are for open-model scenarios.
        Assert.Equal((S(5), 3, S(2), S(1)), (closed.WarmUp, closed.Load.Users, closed.Load.RampUp, closed.Load.Think.Mean));
        Assert.Null(closed.Open);
        // The stages are the ramp: the plan's ramp-up does not apply to them.
        Assert.Equal((6, TimeSpan.Zero, S(1)), (staged.Load.Users, staged.Load.RampUp, staged.Load.Think.Mean));
    }

    [Fact]
    public void Should_recognise_scenarios_by_stages_or_arrival_rate()
    {
        var map = ScenarioLoader.LoadText(Target + """
            "Spiky" { stages = [{ duration = 5s, target = 2 }] }
            "Steady" { arrival-rate = 3, duration = 5s }
            """, "test.conf");
        var single = LoadOne(Target + "stages = [{ duration = 5s, target = 2 }]");

        Assert.Equal(["Spiky", "Steady"], map.Scenarios.Select(s => s.Name));
        Assert.True(map.Scenarios[1].IsOpen);
        Assert.Equal("test", single.Name);
    }

    [Theory]
    // closed-model stages
    [InlineData(Target + "stages = 5", "expected an array of stages for 'stages' but found '5'", 2)]
    [InlineData(Target + "stages = []", "'stages' must list at least one stage", 2)]
    [InlineData(Target + "stages = [\n  5\n]", "expected a stage ({ duration = 30s, target = 50 }) in 'stages' but found '5'", 3)]
    [InlineData(Target + "stages = [\n  { target = 5 }\n]", "a stage needs 'duration' (e.g. { duration = 30s, target = 50 })", 3)]
    [InlineData(Target + "stages = [\n  { duration = 5s }\n]", "a stage needs 'target' (e.g. { duration = 30s, target = 50 })", 3)]
    [InlineData(Target + "stages = [\n  { duration = 5s, target = 5, hold = 1s }\n]", "unknown key 'hold' in a stage; allowed keys: duration, target", 3)]
    [InlineData(Target + "stages = [\n  { duration = 5s, targt = 5 }\n]", "unknown key 'targt'; did you mean 'target'?", 3)]
    [InlineData(Target + "stages = [\n  { duration = -5s, target = 5 }\n]", "'duration' of a stage must be 0 or more but is -5s", 3)]
    [InlineData(Target + "stages = [\n  { duration = 5s, target = -1 }\n]", "'target' of a stage must be 0 or more users but is -1", 3)]
    [InlineData(Target + "stages = [\n  { duration = 5s, target = 2.5 }\n]", "expected an integer for 'target' but found '2.5'", 3)]
    [InlineData(Target + "stages = [\n  { duration = 5s, target = many }\n]", "expected an integer for 'target' but found 'many'", 3)]
    [InlineData(Target + "stages = [\n  { duration = soon, target = 5 }\n]", "expected a duration (e.g. 500ms, 10s, 2m) for 'duration' but found 'soon'", 3)]
    [InlineData(Target + "stages = [{ duration = 0s, target = 5 }, { duration = 0s, target = 9 }]",
        "'stages' needs at least one stage with a duration above 0 (a stage of 0s is a jump)", 2)]
    [InlineData(Target + "stages = [{ duration = 5s, target = 0 }]", "'stages' must reach at least 1 user but every target is 0", 2)]
    [InlineData(Staged + "ramp-up = 5s",
        "'ramp-up' cannot be combined with 'stages': the stages are the ramp (each moves linearly from the previous target to its own)", 6)]
    [InlineData(Staged + "ramp_up_time = 0",
        "'ramp_up_time' cannot be combined with 'stages': the stages are the ramp (each moves linearly from the previous target to its own)", 6)]
    [InlineData(Staged + "concurrent-users = 20", "'concurrent-users' (20) must be at least the highest stage target (50); leave it out with stages", 6)]
    [InlineData(Staged + "duration = 60s", "'duration' (60s) must equal the sum of the stage durations (70s); leave it out with stages", 6)]
    [InlineData(Staged + "max-users = 60",
        "'max-users' applies only to the open model: set 'arrival-rate', or use 'concurrent-users' or 'stages' for the closed model", 6)]
    [InlineData(Target + "concurrent-users = 2\nduration = 5s\npre_allocated_users = 1",
        "'pre_allocated_users' applies only to the open model: set 'arrival-rate', or use 'concurrent-users' or 'stages' for the closed model", 4)]
    // the open model, constant
    [InlineData(Target + "arrival-rate = 0\nduration = 5s", "'arrival-rate' must be greater than 0 iterations/s but is 0", 2)]
    [InlineData(Target + "arrival-rate = -5\nduration = 5s", "'arrival-rate' must be greater than 0 iterations/s but is -5", 2)]
    [InlineData(Target + "arrival_rate = fast\nduration = 5s", "expected a number for 'arrival_rate' but found 'fast'", 2)]
    [InlineData(Target + "arrival-rate = 1e999\nduration = 5s", "expected a number for 'arrival-rate' but found '1e999'", 2)]
    [InlineData(Target + "arrival-rate = [5]\nduration = 5s", "expected a number for 'arrival-rate' but found an array", 2)]
    [InlineData(Target + "arrival-rate = 5", "missing 'duration' in scenario 'test'", 1)]
    [InlineData(Target + "arrival-rate = 5\nduration = 0s", "'duration' must be greater than 0 but is 0s", 3)]
    [InlineData(Constant + "concurrent-users = 10",
        "'concurrent-users' cannot be used here: the open model (arrival-rate) does not take it; its pool of users is sized by "
        + "'pre-allocated-users' and 'max-users'", 4)]
    [InlineData(Constant + "ramp-up = 5s",
        "'ramp-up' cannot be used here: the open model (arrival-rate) does not take it; ramp the rate with arrival-rate { start = 0, stages = [...] }", 4)]
    [InlineData(Constant + "think-time = 1s",
        "'think-time' cannot be used here: the open model (arrival-rate) has no think time: each iteration is one request", 4)]
    [InlineData(Constant + "think_time { mean = 1s }",
        "'think_time' cannot be used here: the open model (arrival-rate) has no think time: each iteration is one request", 4)]
    [InlineData(Constant + "stages = [{ duration = 5s, target = 5 }]",
        "'stages' cannot be used here: the open model (arrival-rate) does not take it; rate stages go inside arrival-rate { start = 0, stages = [...] }", 4)]
    [InlineData(Constant + "pre-allocated-users = 0", "'pre-allocated-users' must be at least 1 but is 0", 4)]
    [InlineData(Constant + "pre-allocated-users = 20\nmax-users = 10", "'max-users' (10) must be at least 'pre-allocated-users' (20)", 5)]
    [InlineData(Constant + "max_users = 5", "'max_users' (5) must be at least 'pre-allocated-users' (10)", 4)]
    [InlineData(Constant + "max-users = lots", "expected an integer for 'max-users' but found 'lots'", 4)]
    // the open model, ramping
    [InlineData(Target + "arrival-rate {\n  start = 1\n}", "'arrival-rate' as an object needs 'stages' (e.g. { start = 0, stages = "
        + "[{ duration = 30s, target = 100 }] }); for a constant rate write arrival-rate = 50", 2)]
    [InlineData(Target + "arrival-rate {\n  stage = []\n}", "unknown key 'stage'; did you mean 'stages'?", 3)]
    [InlineData(Target + "arrival-rate {\n  rate = 5\n}", "unknown key 'rate' in arrival-rate; allowed keys: start, stages", 3)]
    [InlineData(Target + "arrival-rate {\n  start = -1, stages = [{ duration = 5s, target = 5 }]\n}",
        "'start' must be 0 or more iterations/s but is -1", 3)]
    [InlineData(Target + "arrival-rate {\n  stages = [{ duration = 5s, target = -2 }]\n}",
        "'target' of a stage must be 0 or more iterations/s but is -2", 3)]
    [InlineData(Target + "arrival-rate {\n  stages = [{ duration = 5s, target = 0 }]\n}",
        "'arrival-rate' must reach a rate above 0 iterations/s but the start and every target are 0", 3)]
    [InlineData(Target + "arrival-rate {\n  stages = [{ duration = 0s, target = 5 }]\n}",
        "'stages' needs at least one stage with a duration above 0 (a stage of 0s is a jump)", 3)]
    [InlineData(Target + "arrival-rate {\n  stages = [{ duration = 5s, target = 5 }]\n}\nduration = 10s",
        "'duration' (10s) must equal the sum of the 'arrival-rate' stage durations (5s); leave it out with stages", 5)]
    [InlineData(Target + "arrival-rate {\n  stages = [\n    { duration = 5s, target = 5 }\n    \"10s\"\n  ]\n}",
        "expected a stage ({ duration = 30s, target = 100 }) in 'stages' but found '10s'", 5)]
    // warm-up and typos of the new keys
    [InlineData(Constant + "warm-up = -1s", "'warm-up' must be 0 or more but is -1s", 4)]
    [InlineData(Staged + "warm_up = later", "expected a duration (e.g. 500ms, 10s, 2m) for 'warm_up' but found 'later'", 6)]
    [InlineData(Target + "arival-rate = 5\nduration = 5s", "unknown key 'arival-rate'; did you mean 'arrival-rate'?", 2)]
    [InlineData(Constant + "max_user = 5", "unknown key 'max_user'; did you mean 'max_users'?", 4)]
    [InlineData(Constant + "preallocated-users = 5", "unknown key 'preallocated-users'; did you mean 'pre-allocated-users'?", 4)]
    [InlineData(Constant + "warmup = 5s", "unknown key 'warmup'; did you mean 'warm-up'?", 4)]
    [InlineData(Target + "concurrent-users = 2\nduration = 5s\nstage = []", "unknown key 'stage'; did you mean 'stages'?", 4)]
    // stages and arrival-rate belong to a scenario, not to the plan
    [InlineData(Target + "stages = [{ duration = 5s, target = 2 }]\nscenarios = [{ name = a, concurrent-users = 1, duration = 1s }]",
        "unknown key 'stages' in the plan; allowed keys: target, endpoints, request-patterns, thresholds, http, environment-config, "
        + "alert-thresholds, regression-thresholds, think-time, ramp-up, graceful-stop, warm-up, pre-allocated-users, max-users, sla-thresholds, alert-rules, monitor, flow, flows, setup, feeders, databases, modules, module-targets, grpc, outputs, scenarios", 2)]
    public void Should_reject_bad_workload_keys_naming_the_key_and_line(string text, string message, int line)
    {
        var error = Fails(text);

        Assert.Equal(message, error.Message);
        Assert.Equal(line, error.Position?.Line);
        Assert.Equal("test.conf", error.Position?.File);
    }

    public static TheoryData<string, ScenarioOverrides, string> RejectedOverrides() => new()
    {
        { Staged, new ScenarioOverrides(Duration: S(30)),
            "--duration cannot be combined with stages: the duration is the sum of the stage durations (70s) (scenario 'test')" },
        { Staged, new ScenarioOverrides(RampUp: S(5)), "--ramp-up cannot be combined with stages: the stages are the ramp (scenario 'test')" },
        { Staged, new ScenarioOverrides(Users: 20), "--users (20) must be at least the highest stage target (50) (scenario 'test')" },
        { Constant, new ScenarioOverrides(Users: 20),
            "--users does not apply to the open model (arrival-rate): its pool is sized by 'pre-allocated-users' and 'max-users' (scenario 'test')" },
        { Constant, new ScenarioOverrides(RampUp: S(5)),
            "--ramp-up does not apply to the open model (arrival-rate): ramp the rate with arrival-rate { start, stages } (scenario 'test')" },
        { Constant, new ScenarioOverrides(ThinkTime: S(1)),
            "--think-time cannot be used here: the open model (arrival-rate) has no think time: each iteration is one request (scenario 'test')" },
        { Target + "arrival-rate { stages = [{ duration = 5s, target = 5 }] }", new ScenarioOverrides(Duration: S(30)),
            "--duration cannot be combined with stages: the duration is the sum of the stage durations (5s) (scenario 'test')" },
    };

    [Theory]
    [MemberData(nameof(RejectedOverrides))]
    public void Should_reject_overrides_that_make_no_sense_for_the_model_naming_the_option(string text, ScenarioOverrides overrides, string message)
    {
        var error = Fails(text, overrides);

        Assert.Equal(message, error.Message);
        Assert.Null(error.Position);
    }

    [Fact]
    public void Should_apply_the_overrides_that_fit_the_model()
    {
        var open = LoadOne(Constant, new ScenarioOverrides(Duration: S(90), Target: new Uri("http://127.0.0.1:9000")));
        var staged = LoadOne(Staged + "think-time = 2s", new ScenarioOverrides(Users: 80, ThinkTime: S(1)));

        Assert.Equal((S(90), 50.0), (open.Load.Duration, open.Open!.Rate));
        Assert.Equal(new Uri("http://127.0.0.1:9000"), open.Target);
        Assert.Equal((80, S(70), S(1)), (staged.Load.Users, staged.Load.Duration, staged.Load.Think.Mean));
        Assert.Equal(2, staged.Load.Stages.Count);
    }
}
