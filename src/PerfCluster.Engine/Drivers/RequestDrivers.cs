using PerfCluster.Core.Scenarios;

namespace PerfCluster.Engine.Drivers;

/// <summary>Chooses the request driver for a share.</summary>
public static class RequestDrivers
{
    private static volatile HttpEngine _defaultEngine = HttpEngine.Auto;

    /// <summary>The engine <see cref="Create"/> uses when none is given (process-wide; <see cref="HttpEngine.Auto"/> unless set).</summary>
    public static HttpEngine DefaultEngine
    {
        get => _defaultEngine;
        set => _defaultEngine = value;
    }

    /// <summary>
    /// The engine that will run <paramref name="scenario"/> when <paramref name="requested"/> is asked
    /// for. <see cref="HttpEngine.Auto"/> resolves to <see cref="HttpEngine.Fast"/> exactly when
    /// <see cref="FastHttpDriver.Unsupported"/> finds nothing against the scenario.
    /// </summary>
    public static HttpEngine Resolve(ScenarioDefinition scenario, HttpEngine requested) => requested switch
    {
        HttpEngine.Auto => FastHttpDriver.Unsupported(scenario) is null ? HttpEngine.Fast : HttpEngine.SocketsHttpHandler,
        _ => requested,
    };

    /// <summary>
    /// Why a scenario of the plan cannot run on the engine its <c>http.engine</c> forces (null when all
    /// can): checked before a run starts, so a share never fails to create its driver.
    /// </summary>
    public static string? EngineProblem(TestPlan plan)
    {
        foreach (var s in plan.Scenarios)
        {
            if (s.Journey is not null && s.Http.Engine == HttpEngine.Fast)
                return $"scenario '{s.Name}' sets http.engine = fast, but journeys (flows) read answers and keep cookies, which the fast engine does not; use auto.";
            if (s.Http.Engine == HttpEngine.Fast && FastHttpDriver.Unsupported(s) is { } why)
                return $"scenario '{s.Name}' sets http.engine = fast, but the fast engine cannot run it: {why}. Use auto or sockets-http-handler.";
        }
        return null;
    }

    /// <summary>
    /// Creates the driver for one share. <paramref name="engine"/> overrides the scenario's
    /// <c>http.engine</c>, which overrides <see cref="DefaultEngine"/>;
    /// forcing <see cref="HttpEngine.Fast"/> on a scenario it cannot run (see
    /// <see cref="FastHttpDriver.Unsupported"/>) throws <see cref="ArgumentException"/>. A fast driver
    /// reports its connection-pool waits through <see cref="MetricsRecorder.ConnectionWaits"/>.
    /// </summary>
    public static IRequestDriver Create(ScenarioDefinition scenario, MetricsRecorder recorder, int connections, HttpEngine? engine = null)
    {
        var requested = engine ?? (scenario.Http.Engine != HttpEngine.Auto ? scenario.Http.Engine : DefaultEngine);
        if (Resolve(scenario, requested) != HttpEngine.Fast) return new HttpDriver(scenario, recorder, connections, HandshakeTiming.IndexIn(scenario, 0));
        var fast = new FastHttpDriver(scenario, recorder, connections);
        recorder.ConnectionWaits = () => fast.ConnectionWaits;
        return fast;
    }
}
