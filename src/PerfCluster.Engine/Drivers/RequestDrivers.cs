using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Workers;

namespace PerfCluster.Engine.Drivers;

/// <summary>Which HTTP client engine sends a share's requests.</summary>
public enum HttpEngine
{
    /// <summary><see cref="Fast"/> for http:// targets it can run, <see cref="SocketsHttpHandler"/> otherwise (https, HTTP/2).</summary>
    Auto,
    /// <summary><see cref="FastHttpDriver"/>: the purpose-built HTTP/1.1 engine; http:// targets only.</summary>
    Fast,
    /// <summary><see cref="HttpDriver"/>: .NET's SocketsHttpHandler (TLS, HTTP/2).</summary>
    SocketsHttpHandler,
}

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
    /// Creates the driver for one share. <paramref name="engine"/> overrides <see cref="DefaultEngine"/>;
    /// forcing <see cref="HttpEngine.Fast"/> on a scenario it cannot run (see
    /// <see cref="FastHttpDriver.Unsupported"/>) throws <see cref="ArgumentException"/>. A fast driver
    /// reports its connection-pool waits through <see cref="MetricsRecorder.ConnectionWaits"/>.
    /// </summary>
    public static IRequestDriver Create(ScenarioDefinition scenario, MetricsRecorder recorder, int connections, HttpEngine? engine = null)
    {
        if (Resolve(scenario, engine ?? DefaultEngine) != HttpEngine.Fast) return new HttpDriver(scenario, recorder, connections);
        var fast = new FastHttpDriver(scenario, recorder, connections);
        recorder.ConnectionWaits = () => fast.ConnectionWaits;
        return fast;
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
