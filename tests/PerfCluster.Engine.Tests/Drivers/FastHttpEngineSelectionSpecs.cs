using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Drivers;
using PerfCluster.Engine.Workers;
using static PerfCluster.Engine.Tests.Drivers.DriverRuns;

namespace PerfCluster.Engine.Tests.Drivers;

public class FastHttpEngineSelectionSpecs
{
    private static IRequestDriver Create(string target, HttpEngine? engine, IReadOnlyDictionary<string, string>? headers = null) =>
        RequestDrivers.Create(Scenario(new Uri(target), headers: headers), new MetricsRecorder(["a"]), 4, engine);

    [Theory]
    [InlineData("http://127.0.0.1:8000/", null, typeof(FastHttpDriver))]
    [InlineData("http://127.0.0.1:8000/", HttpEngine.Auto, typeof(FastHttpDriver))]
    [InlineData("http://localhost/", HttpEngine.Fast, typeof(FastHttpDriver))]
    [InlineData("https://127.0.0.1:8443/", HttpEngine.Auto, typeof(HttpDriver))]
    [InlineData("https://127.0.0.1:8443/", null, typeof(HttpDriver))]
    [InlineData("http://127.0.0.1:8000/", HttpEngine.SocketsHttpHandler, typeof(HttpDriver))]
    [InlineData("https://127.0.0.1:8443/", HttpEngine.SocketsHttpHandler, typeof(HttpDriver))]
    public void Should_pick_the_fast_engine_for_http_and_sockets_http_handler_for_https_unless_told(string target, HttpEngine? engine, Type expected)
    {
        using var driver = Create(target, engine);

        Assert.IsType(expected, driver);
    }

    [Fact]
    public void Should_fall_back_to_sockets_http_handler_for_an_http_scenario_the_fast_engine_cannot_encode()
    {
        using var driver = Create("http://127.0.0.1:8000/", HttpEngine.Auto, new Dictionary<string, string> { ["X-Note"] = "caf\u00e9" });

        Assert.IsType<HttpDriver>(driver);
    }

    [Theory]
    [InlineData("fast", typeof(FastHttpDriver))]
    [InlineData("sockets-http-handler", typeof(HttpDriver))]
    public void Should_follow_the_scenarios_http_engine(string engine, Type expected)
    {
        var scenario = ScenarioLoader.LoadText(
            $"target = \"http://127.0.0.1:8000\"\nconcurrent-users = 1\nduration = 1s\nhttp.engine = {engine}", "t.conf").Scenarios[0];

        using var driver = RequestDrivers.Create(scenario, new MetricsRecorder(["/"]), 1);

        Assert.IsType(expected, driver);
        Assert.Null(RequestDrivers.EngineProblem(new TestPlan("t.conf", "", [scenario])));
    }

    [Fact]
    public void Should_name_the_problem_when_a_scenario_forces_the_fast_engine_on_https()
    {
        var scenario = ScenarioLoader.LoadText(
            "target = \"https://127.0.0.1:8443\"\nconcurrent-users = 1\nduration = 1s\nhttp.engine = fast", "t.conf").Scenarios[0];

        var problem = RequestDrivers.EngineProblem(new TestPlan("t.conf", "", [scenario]));

        Assert.Equal("scenario 't' sets http.engine = fast, but the fast engine cannot run it: the target is https://, not http://. "
            + "Use auto or sockets-http-handler.", problem);
    }

    [Fact]
    public void Should_refuse_to_force_the_fast_engine_on_https()
    {
        Assert.Throws<ArgumentException>(() => Create("https://127.0.0.1:8443/", HttpEngine.Fast));
    }

    [Fact]
    public void Should_use_the_process_default_when_no_engine_is_given()
    {
        var before = RequestDrivers.DefaultEngine;
        try
        {
            RequestDrivers.DefaultEngine = HttpEngine.SocketsHttpHandler;
            using var driver = Create("http://127.0.0.1:8000/", null);
            using var forced = Create("http://127.0.0.1:8000/", HttpEngine.Fast);

            Assert.IsType<HttpDriver>(driver);
            Assert.IsType<FastHttpDriver>(forced);
        }
        finally
        {
            RequestDrivers.DefaultEngine = before;
        }
    }

    [Theory]
    [InlineData("auto", HttpEngine.Auto)]
    [InlineData("FAST", HttpEngine.Fast)]
    [InlineData(" socketshttphandler ", HttpEngine.SocketsHttpHandler)]
    [InlineData("sockets-http-handler", HttpEngine.SocketsHttpHandler)]
    public void Should_read_engine_names(string text, HttpEngine expected)
    {
        Assert.True(HttpSettings.TryParseEngine(text, out var engine));
        Assert.Equal(expected, engine);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1")]
    [InlineData("quick")]
    public void Should_reject_unknown_engine_names(string text)
    {
        Assert.False(HttpSettings.TryParseEngine(text, out _));
    }
}
