using System.Net;
using System.Net.Sockets;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Drivers;
using PerfCluster.Engine.Workers;
using PerfCluster.Core.Results;

namespace PerfCluster.Engine.Tests.Drivers;

public class HttpDriverSpecs
{
    private static ScenarioDefinition Scenario(Uri target, TimeSpan? timeout = null, IReadOnlyList<int>? expect = null) => new()
    {
        Name = "driver",
        Target = target,
        Load = new ClosedLoad(1, TimeSpan.FromSeconds(1), TimeSpan.Zero, ThinkTime.None, TimeSpan.FromSeconds(1)),
        Endpoints = [new EndpointDefinition { Name = "a", Path = "/a", ExpectedStatus = expect ?? [] }],
        Http = new HttpSettings { Timeout = timeout ?? TimeSpan.FromSeconds(5) },
    };

    private static async Task<(EndpointStatistics Stats, bool Counted)> SendOne(ScenarioDefinition scenario, CancellationToken stop = default)
    {
        var recorder = new MetricsRecorder(["a"]);
        using var driver = new HttpDriver(scenario, recorder, 1);
        var counted = await driver.ExecuteAsync(0, stop);
        var aggregator = new WindowAggregator("s", ["a"]);
        aggregator.Accept(new MetricsDelta("r", "n", 1, 0, recorder.Flush(), 1, new GeneratorSample(0, 0, 1), true));
        return (aggregator.Totals("a", TimeSpan.FromSeconds(1)), counted);
    }

    [Fact]
    public async Task Should_record_a_success_with_its_latency()
    {
        await using var server = new LoopbackServer(200, TimeSpan.FromMilliseconds(30));

        var (stats, counted) = await SendOne(Scenario(server.BaseUrl));

        Assert.True(counted);
        Assert.Equal(1, stats.Requests);
        Assert.Equal(0, stats.Errors);
        Assert.True(stats.Latency.Min >= 0.029, $"latency {stats.Latency.Min}");
    }

    [Theory]
    [InlineData(404, "http_4xx")]
    [InlineData(503, "http_5xx")]
    public async Task Should_classify_unexpected_http_status(int status, string kind)
    {
        await using var server = new LoopbackServer(status);

        var (stats, _) = await SendOne(Scenario(server.BaseUrl));

        Assert.Equal(1, stats.Requests);
        Assert.Equal(1, stats.ErrorsByKind[kind]);
    }

    [Fact]
    public async Task Should_accept_a_status_the_endpoint_expects_and_flag_one_it_does_not()
    {
        await using var notFound = new LoopbackServer(404);
        await using var ok = new LoopbackServer(200);

        var (expected, _) = await SendOne(Scenario(notFound.BaseUrl, expect: [404]));
        var (unexpected, _) = await SendOne(Scenario(ok.BaseUrl, expect: [201]));

        Assert.Equal(0, expected.Errors);
        Assert.Equal(1, unexpected.ErrorsByKind["unexpected_status"]);
    }

    [Fact]
    public async Task Should_classify_a_refused_connection()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var (stats, _) = await SendOne(Scenario(new Uri($"http://127.0.0.1:{port}/")));

        Assert.Equal(1, stats.ErrorsByKind["refused"]);
    }

    [Fact]
    public async Task Should_classify_a_request_past_its_timeout()
    {
        await using var server = new LoopbackServer(200, TimeSpan.FromSeconds(5));

        var (stats, counted) = await SendOne(Scenario(server.BaseUrl, timeout: TimeSpan.FromMilliseconds(200)));

        Assert.True(counted);
        Assert.Equal(1, stats.ErrorsByKind["timeout"]);
        Assert.InRange(stats.Latency.Max, 0.19, 2.0);
    }

    [Fact]
    public async Task Should_classify_a_reset_connection()
    {
        await using var server = new LoopbackServer(reset: true);

        var (stats, _) = await SendOne(Scenario(server.BaseUrl));

        Assert.Equal(1, stats.ErrorsByKind["reset"]);
    }

    [Fact]
    public async Task Should_count_a_request_cut_off_by_stop_as_abandoned_not_as_a_result()
    {
        await using var server = new LoopbackServer(200, TimeSpan.FromSeconds(5));
        var recorder = new MetricsRecorder(["a"]);
        using var driver = new HttpDriver(Scenario(server.BaseUrl), recorder, 1);
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var counted = await driver.ExecuteAsync(0, stop.Token);

        Assert.False(counted);
        Assert.Equal(1, recorder.TakeAbandoned());
        Assert.Empty(recorder.Flush());
    }

    [Fact]
    public void Should_map_socket_errors_through_wrapping_exceptions()
    {
        var refused = new HttpRequestException("x", new SocketException((int)SocketError.ConnectionRefused));
        var reset = new HttpRequestException("x", new IOException("y", new SocketException((int)SocketError.ConnectionReset)));

        Assert.Equal(ErrorKind.Refused, HttpDriver.Classify(refused));
        Assert.Equal(ErrorKind.Reset, HttpDriver.Classify(reset));
        Assert.Equal(ErrorKind.Other, HttpDriver.Classify(new HttpRequestException("dns")));
    }
}
