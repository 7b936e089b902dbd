using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Metrics;
using PerfCluster.Engine.Drivers;
using PerfCluster.Engine.Workers;
using static PerfCluster.Engine.Tests.Drivers.DriverRuns;

namespace PerfCluster.Engine.Tests.Drivers;

public class FastHttpDriverSpecs
{
    private const string Ok = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello";
    private const string Chunked =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
        "5;name=value\r\nhello\r\n" +
        "1\r\n,\r\n" +
        "6 ; a=1;b=\"x y\"\r\n world\r\n" +
        "0\r\nExpires: never\r\nX-Checksum: 42\r\n\r\n";

    private static async Task<DriverOutcome> Fast(ScriptedHttpServer server, int requests = 1, string method = "GET",
        IReadOnlyList<int>? expect = null, TimeSpan? timeout = null) =>
        await Sequential(HttpEngine.Fast, Scenario(server.BaseUrl, method: method, expect: expect, timeout: timeout), requests);

    [Fact]
    public async Task Should_record_a_content_length_response_as_a_success()
    {
        await using var server = new ScriptedHttpServer(ScriptedReply.Of(Ok));

        var outcome = await Fast(server);

        Assert.Equal(1, outcome.Requests);
        Assert.Equal(0, outcome.ErrorCount);
        Assert.True(outcome.MinLatencySeconds > 0);
    }

    [Fact]
    public async Task Should_read_chunked_bodies_with_extensions_and_trailers_and_keep_the_connection()
    {
        await using var server = new ScriptedHttpServer(ScriptedReply.Of(Chunked));

        var outcome = await Fast(server, requests: 3);

        Assert.Equal(3, outcome.Successes);
        Assert.Equal(1, server.Accepts);
    }

    [Theory]
    [InlineData(Ok)]
    [InlineData(Chunked)]
    public async Task Should_parse_a_response_that_arrives_one_byte_per_read(string response)
    {
        await using var server = new ScriptedHttpServer(ScriptedReply.Of(response, pieceSize: 1));

        var outcome = await Fast(server, requests: 2);

        Assert.Equal(2, outcome.Successes);
        Assert.Equal(1, server.Accepts);
    }

    [Fact]
    public async Task Should_send_many_requests_over_one_keep_alive_connection()
    {
        await using var server = new ScriptedHttpServer(ScriptedReply.Of(Ok));
        var recorder = new MetricsRecorder(["a"]);
        using var driver = new FastHttpDriver(Scenario(server.BaseUrl), recorder, 1);

        for (var i = 0; i < 50; i++) Assert.True(await driver.ExecuteAsync(0, CancellationToken.None));

        Assert.Equal(50, Collect(recorder).Successes);
        Assert.Equal(1, server.Accepts);
        Assert.Equal(1, driver.Connects);
        Assert.Equal(50, server.Requests.Count(r => r.Connection == 0));
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", ReplyEnd.Close)]
    [InlineData("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", ReplyEnd.KeepOpen)]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", ReplyEnd.Close)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nbody until the server closes", ReplyEnd.Close)]
    public async Task Should_open_a_new_connection_after_a_response_that_ends_its_connection(string response, ReplyEnd end)
    {
        await using var server = new ScriptedHttpServer(ScriptedReply.Of(response, end));
        var recorder = new MetricsRecorder(["a"]);
        using var driver = new FastHttpDriver(Scenario(server.BaseUrl), recorder, 1);

        for (var i = 0; i < 5; i++) await driver.ExecuteAsync(0, CancellationToken.None);

        Assert.Equal(5, Collect(recorder).Successes);
        Assert.Equal(5, server.Accepts);
        Assert.Equal(5, driver.Connects);
    }

    [Fact]
    public async Task Should_keep_an_http_1_0_connection_the_server_keeps_alive()
    {
        await using var server = new ScriptedHttpServer(ScriptedReply.Of("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok"));

        var outcome = await Fast(server, requests: 3);

        Assert.Equal(3, outcome.Successes);
        Assert.Equal(1, server.Accepts);
    }

    [Fact]
    public async Task Should_retry_once_on_a_new_connection_when_the_server_closed_the_idle_one()
    {
        // The server closes after each response without saying so: the next request finds the
        // connection closed before any byte of its response, and is sent again on a fresh one.
        await using var server = new ScriptedHttpServer(ScriptedReply.Of(Ok, ReplyEnd.Close));

        var outcome = await Fast(server, requests: 3);

        Assert.Equal(3, outcome.Successes);
        Assert.Equal(3, server.Accepts);
        Assert.Equal(3, server.Requests.Count);
    }

    [Theory]
    [InlineData("GET", "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n")]
    [InlineData("GET", "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\nETag: \"x\"\r\n\r\n")]
    [InlineData("GET", "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n")]
    [InlineData("HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")]
    [InlineData("HEAD", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")]
    public async Task Should_expect_no_body_after_204_304_or_a_head_request(string method, string response)
    {
        await using var server = new ScriptedHttpServer(ScriptedReply.Of(response));

        var outcome = await Fast(server, requests: 3, method: method);

        Assert.Equal(3, outcome.Successes);
        Assert.Equal(1, server.Accepts);
        Assert.All(server.Requests, r => Assert.StartsWith(method + " /a ", r.RequestLine));
    }

    [Fact]
    public async Task Should_skip_interim_responses_and_record_the_final_status()
    {
        await using var server = new ScriptedHttpServer(ScriptedReply.Of(
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </style.css>\r\n\r\n" + Ok));

        var outcome = await Fast(server, requests: 2);

        Assert.Equal(2, outcome.Successes);
        Assert.Equal(1, server.Accepts);
    }

    [Theory]
    [InlineData(404, null, ErrorKind.Http4xx)]
    [InlineData(429, null, ErrorKind.Http4xx)]
    [InlineData(500, null, ErrorKind.Http5xx)]
    [InlineData(503, null, ErrorKind.Http5xx)]
    [InlineData(200, 201, ErrorKind.UnexpectedStatus)]
    [InlineData(101, null, ErrorKind.UnexpectedStatus)]
    public async Task Should_classify_a_status_the_endpoint_does_not_expect(int status, int? expected, ErrorKind kind)
    {
        await using var server = new ScriptedHttpServer(ScriptedReply.Of($"HTTP/1.1 {status} Whatever\r\nContent-Length: 4\r\n\r\nnope"));

        var outcome = await Fast(server, expect: expected is { } e ? [e] : null);

        Assert.Equal(1, outcome.Requests);
        Assert.Equal(1, outcome[kind]);
    }

    [Fact]
    public async Task Should_accept_an_error_status_the_endpoint_expects()
    {
        await using var server = new ScriptedHttpServer(ScriptedReply.Of("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"));

        var outcome = await Fast(server, requests: 2, expect: [404]);

        Assert.Equal(2, outcome.Successes);
        Assert.Equal(1, server.Accepts);
    }

    [Fact]
    public async Task Should_classify_a_refused_connection()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var outcome = await Sequential(HttpEngine.Fast, Scenario(new Uri($"http://127.0.0.1:{port}/")), requests: 2);

        Assert.Equal(2, outcome[ErrorKind.Refused]);
    }

    [Fact]
    public async Task Should_classify_a_request_past_its_timeout_and_not_reuse_its_connection()
    {
        await using var server = new ScriptedHttpServer(r => r.Index == 0 ? ScriptedReply.Hang : ScriptedReply.Of(Ok));

        var outcome = await Fast(server, requests: 2, timeout: TimeSpan.FromMilliseconds(200));

        Assert.Equal(2, outcome.Requests);
        Assert.Equal(1, outcome[ErrorKind.Timeout]);
        Assert.InRange(outcome.MaxLatencySeconds, 0.19, 2.0);
        Assert.Equal(2, server.Accepts);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part of it", ReplyEnd.Reset)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part of it", ReplyEnd.Close)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nonly part", ReplyEnd.Close)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Le", ReplyEnd.Close)]
    [InlineData("", ReplyEnd.Reset)]
    public async Task Should_classify_a_connection_cut_mid_response_as_reset(string partial, ReplyEnd end)
    {
        await using var server = new ScriptedHttpServer(ScriptedReply.Of(partial, end));

        var outcome = await Fast(server);

        Assert.Equal(1, outcome.Requests);
        Assert.Equal(1, outcome[ErrorKind.Reset]);
    }

    [Theory]
    [InlineData("HTTP/1.1 2OO OK\r\nContent-Length: 0\r\n\r\n")]
    [InlineData("HTTP/2 200 OK\r\nContent-Length: 0\r\n\r\n")]
    [InlineData("ICY 200 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: twelve\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok")]
    [InlineData("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokXX0\r\n\r\n")]
    public async Task Should_classify_a_malformed_response_as_a_protocol_error_and_drop_the_connection(string response)
    {
        await using var server = new ScriptedHttpServer(r => r.Index == 0 ? ScriptedReply.Of(response) : ScriptedReply.Of(Ok));

        var outcome = await Fast(server, requests: 2);

        Assert.Equal(2, outcome.Requests);
        Assert.Equal(1, outcome[ErrorKind.Protocol]);
        Assert.Equal(1, outcome.Successes);
        Assert.Equal(2, server.Accepts);
    }

    [Fact]
    public async Task Should_classify_headers_over_the_limit_as_too_large()
    {
        var huge = "HTTP/1.1 200 OK\r\nX-Big: " + new string('a', FastHttpResponseParser.MaxHeaderBytes) + "\r\nContent-Length: 0\r\n\r\n";
        await using var server = new ScriptedHttpServer(ScriptedReply.Of(huge));

        var outcome = await Fast(server);

        Assert.Equal(1, outcome[ErrorKind.TooLarge]);
    }

    [Fact]
    public async Task Should_read_a_large_body_in_full()
    {
        var body = new string('x', 300_000);
        await using var server = new ScriptedHttpServer(ScriptedReply.Of($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\n\r\n{body}"));

        var outcome = await Fast(server, requests: 3);

        Assert.Equal(3, outcome.Successes);
        Assert.Equal(1, server.Accepts);
    }

    [Fact]
    public async Task Should_count_open_model_latency_from_the_intended_start_and_service_time_from_the_send()
    {
        await using var server = new ScriptedHttpServer(ScriptedReply.Of(Ok));
        var recorder = new MetricsRecorder(["a"]);
        using var driver = new FastHttpDriver(Scenario(server.BaseUrl), recorder, 1);
        var intended = Stopwatch.GetTimestamp() - Stopwatch.Frequency / 2;

        Assert.True(await driver.ExecuteAsync(0, intended, CancellationToken.None));

        var delta = Assert.Single(recorder.Flush());
        Assert.True(Latency.Decode(delta.Histogram).GetValueAtPercentile(100) >= 500_000);
        Assert.NotNull(delta.ServiceTime);
        Assert.True(Latency.Decode(delta.ServiceTime).GetValueAtPercentile(100) < 500_000);
    }

    [Fact]
    public async Task Should_report_pool_waits_through_the_recorder_when_created_for_a_share()
    {
        await using var server = new ScriptedHttpServer(ScriptedReply.Of(Ok, pieceSize: 40));
        var recorder = new MetricsRecorder(["a"]);
        using var driver = RequestDrivers.Create(Scenario(server.BaseUrl, maxConnections: 1), recorder, 3, HttpEngine.Fast);

        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => driver.ExecuteAsync(0, null, CancellationToken.None)));

        Assert.NotNull(recorder.ConnectionWaits);
        Assert.Equal(2, recorder.ConnectionWaits());
    }

    [Fact]
    public async Task Should_count_a_request_cut_off_by_stop_as_abandoned_not_as_a_result()
    {
        await using var server = new ScriptedHttpServer(ScriptedReply.Hang);
        var recorder = new MetricsRecorder(["a"]);
        using var driver = new FastHttpDriver(Scenario(server.BaseUrl), recorder, 1);
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var counted = await driver.ExecuteAsync(0, stop.Token);

        Assert.False(counted);
        Assert.Equal(1, recorder.TakeAbandoned());
        Assert.Empty(recorder.Flush());
    }

    [Fact]
    public async Task Should_abandon_every_request_in_flight_under_a_stop_that_fires()
    {
        await using var server = new ScriptedHttpServer(r => r.Index < 4 ? ScriptedReply.Of(Ok) : ScriptedReply.Hang);
        var recorder = new MetricsRecorder(["a"]);
        using var driver = new FastHttpDriver(Scenario(server.BaseUrl), recorder, 4);
        using var stop = new CancellationTokenSource();
        for (var i = 0; i < 4; i++) Assert.True(await driver.ExecuteAsync(0, stop.Token));

        var inFlight = Enumerable.Range(0, 4).Select(_ => driver.ExecuteAsync(0, stop.Token)).ToArray();
        while (server.Requests.Count < 8) await Task.Delay(10);
        await stop.CancelAsync();

        Assert.All(await Task.WhenAll(inFlight).WaitAsync(TimeSpan.FromSeconds(5)), Assert.False);
        Assert.Equal(4, recorder.TakeAbandoned());
        Assert.Equal(4, Collect(recorder).Successes);
    }

    [Fact]
    public async Task Should_still_abandon_on_stop_when_every_request_brings_its_own_token()
    {
        await using var server = new ScriptedHttpServer(r => r.Index < 70 ? ScriptedReply.Of(Ok) : ScriptedReply.Hang);
        var recorder = new MetricsRecorder(["a"]);
        using var driver = new FastHttpDriver(Scenario(server.BaseUrl), recorder, 1);
        for (var i = 0; i < 70; i++)
        {
            using var own = new CancellationTokenSource();
            Assert.True(await driver.ExecuteAsync(0, own.Token));
        }
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        Assert.False(await driver.ExecuteAsync(0, stop.Token).WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(1, recorder.TakeAbandoned());
        Assert.Equal(70, Collect(recorder).Successes);
    }

    [Fact]
    public async Task Should_abandon_without_sending_when_stop_has_already_happened()
    {
        await using var server = new ScriptedHttpServer(ScriptedReply.Of(Ok));
        var recorder = new MetricsRecorder(["a"]);
        using var driver = new FastHttpDriver(Scenario(server.BaseUrl), recorder, 1);

        var counted = await driver.ExecuteAsync(0, new CancellationToken(canceled: true));

        Assert.False(counted);
        Assert.Equal(1, recorder.TakeAbandoned());
        Assert.Equal(0, server.Accepts);
    }

    [Fact]
    public async Task Should_end_requests_in_flight_as_abandoned_when_disposed()
    {
        await using var server = new ScriptedHttpServer(ScriptedReply.Hang);
        var recorder = new MetricsRecorder(["a"]);
        var driver = new FastHttpDriver(Scenario(server.BaseUrl), recorder, 1);
        var request = driver.ExecuteAsync(0, CancellationToken.None);
        while (server.Requests.Count == 0) await Task.Delay(10);

        driver.Dispose();

        Assert.False(await request.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(1, recorder.TakeAbandoned());
    }

    [Fact]
    public async Task Should_send_a_request_with_a_body_exactly_as_encoded()
    {
        await using var server = new ScriptedHttpServer(ScriptedReply.Of(Ok));
        var scenario = Scenario(server.BaseUrl, method: "POST", path: "/api/items?page=2&q=a%20b",
            headers: new Dictionary<string, string> { ["X-Trace"] = "abc-123", ["Content-Type"] = "application/json", ["Accept"] = "*/*" },
            body: "{\"name\":\"caf\u00e9\"}");

        await Sequential(HttpEngine.Fast, scenario, requests: 2);

        var expected = $"POST /api/items?page=2&q=a%20b HTTP/1.1\r\nHost: 127.0.0.1:{server.Port}\r\nX-Trace: abc-123\r\n" +
            "Content-Type: application/json\r\nAccept: */*\r\nContent-Length: 16\r\n\r\n";
        var bytes = Encoding.ASCII.GetBytes(expected).Concat(Encoding.UTF8.GetBytes("{\"name\":\"caf\u00e9\"}")).ToArray();
        Assert.Equal(2, server.Requests.Count);
        Assert.All(server.Requests, r => Assert.Equal(bytes, r.Raw));
    }

    [Theory]
    [InlineData("GET", "")]
    [InlineData("DELETE", "")]
    [InlineData("HEAD", "")]
    [InlineData("PUT", "Content-Length: 0\r\n")]
    [InlineData("POST", "Content-Length: 0\r\n")]
    public async Task Should_send_a_request_without_a_body_without_content_headers(string method, string contentLength)
    {
        await using var server = new ScriptedHttpServer(ScriptedReply.Of("HTTP/1.1 204 No Content\r\n\r\n"));
        var scenario = Scenario(server.BaseUrl, method: method, path: "/x",
            headers: new Dictionary<string, string> { ["Content-Type"] = "text/plain", ["Host"] = "api.example.test", ["Authorization"] = "Bearer t0k3n" });

        await Sequential(HttpEngine.Fast, scenario);

        Assert.Equal($"{method} /x HTTP/1.1\r\nHost: api.example.test\r\nAuthorization: Bearer t0k3n\r\n{contentLength}\r\n",
            Assert.Single(server.Requests).Text);
    }

    [Fact]
    public async Task Should_wait_for_a_connection_only_when_all_are_busy_and_count_the_waits()
    {
        await using var server = new ScriptedHttpServer(ScriptedReply.Of(Ok, pieceSize: 40));
        var recorder = new MetricsRecorder(["a"]);
        using var narrow = new FastHttpDriver(Scenario(server.BaseUrl), recorder, connections: 2);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 5; i++) await narrow.ExecuteAsync(0, CancellationToken.None);
        })));

        Assert.Equal(40, Collect(recorder).Successes);
        Assert.Equal(2, server.Accepts);
        Assert.True(narrow.ConnectionWaits > 0, "8 callers on 2 connections must wait");

        using var wide = new FastHttpDriver(Scenario(server.BaseUrl), recorder, connections: 8);
        var gate = new TaskCompletionSource();
        var callers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            await gate.Task;
            for (var i = 0; i < 5; i++) await wide.ExecuteAsync(0, CancellationToken.None);
        })).ToArray();
        gate.SetResult();
        await Task.WhenAll(callers);

        Assert.Equal(40, Collect(recorder).Successes);
        Assert.Equal(0, wide.ConnectionWaits);
        Assert.InRange(wide.Connects, 1, 8);
    }

    [Fact]
    public async Task Should_use_the_scenario_connection_limit_over_the_caller_count()
    {
        await using var server = new ScriptedHttpServer(ScriptedReply.Of(Ok, pieceSize: 40));
        var recorder = new MetricsRecorder(["a"]);
        using var driver = new FastHttpDriver(Scenario(server.BaseUrl, maxConnections: 1), recorder, connections: 4);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => driver.ExecuteAsync(0, CancellationToken.None))));

        Assert.Equal(1, driver.MaxConnections);
        Assert.Equal(4, Collect(recorder).Successes);
        Assert.Equal(1, server.Accepts);
    }

    [Fact]
    public async Task Should_time_out_a_request_that_waits_for_a_busy_connection_past_its_deadline()
    {
        await using var server = new ScriptedHttpServer(ScriptedReply.Hang);
        var recorder = new MetricsRecorder(["a"]);
        using var driver = new FastHttpDriver(Scenario(server.BaseUrl, timeout: TimeSpan.FromMilliseconds(300)), recorder, 1);

        var results = await Task.WhenAll(driver.ExecuteAsync(0, CancellationToken.None), driver.ExecuteAsync(0, CancellationToken.None));

        Assert.All(results, Assert.True);
        Assert.Equal(2, Collect(recorder)[ErrorKind.Timeout]);
        Assert.Equal(1, driver.ConnectionWaits);
    }

    [Fact]
    public async Task Should_not_reuse_a_connection_that_received_bytes_it_did_not_ask_for()
    {
        await using var server = new ScriptedHttpServer(ScriptedReply.Of(
            Ok + "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", ReplyEnd.Close));

        var outcome = await Fast(server, requests: 3);

        Assert.Equal(3, outcome.Successes);
        Assert.Equal(3, server.Accepts);
    }

    [Fact]
    public async Task Should_send_a_body_larger_than_the_socket_buffers_in_full()
    {
        var body = new string('b', 8 * 1024 * 1024);
        await using var server = new ScriptedHttpServer(ScriptedReply.Of(Ok));

        var outcome = await Sequential(HttpEngine.Fast, Scenario(server.BaseUrl, method: "POST", body: body), requests: 2);

        Assert.Equal(2, outcome.Successes);
        Assert.All(server.Requests, r => Assert.EndsWith("\r\n\r\n" + body, r.Text));
    }

    [Fact]
    public async Task Should_fail_fast_many_times_in_a_row_without_deepening_the_stack()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var target = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/");
        listener.Stop();
        var recorder = new MetricsRecorder(["a"]);
        using var driver = new FastHttpDriver(Scenario(target), recorder, 1);

        for (var i = 0; i < 2_000; i++) await driver.ExecuteAsync(0, CancellationToken.None);

        Assert.Equal(2_000, Collect(recorder)[ErrorKind.Refused]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Should_spread_connections_over_its_event_loops(int loops)
    {
        await using var server = new ScriptedHttpServer(r => ScriptedReply.Of(r.Index % 3 == 0 ? Chunked : Ok));
        var recorder = new MetricsRecorder(["a"]);
        using var driver = new FastHttpDriver(Scenario(server.BaseUrl), recorder, 6, loops);

        await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 50; i++) await driver.ExecuteAsync(0, CancellationToken.None);
        })));

        Assert.Equal(loops, driver.EventLoops);
        Assert.Equal(300, Collect(recorder).Successes);
        Assert.InRange(server.Accepts, 1, 6);
    }

    [Fact]
    public async Task Should_account_for_every_request_when_failures_of_every_kind_interleave()
    {
        await using var server = new ScriptedHttpServer(r => (r.Index % 10) switch
        {
            0 => ScriptedReply.Of("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\ncut", ReplyEnd.Reset),
            1 => ScriptedReply.Of(Ok, ReplyEnd.Close),
            2 => ScriptedReply.Of("HTTP/1.1 20x\r\n\r\n"),
            3 => r.Index % 20 == 3 ? ScriptedReply.Hang : ScriptedReply.Of(Chunked, pieceSize: 7),
            4 => ScriptedReply.Of("HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n"),
            _ => ScriptedReply.Of(r.Index % 2 == 0 ? Chunked : Ok),
        });
        var recorder = new MetricsRecorder(["a"]);
        using var driver = new FastHttpDriver(Scenario(server.BaseUrl, timeout: TimeSpan.FromMilliseconds(150)), recorder, 8, loops: 2);

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            var counted = 0;
            for (var i = 0; i < 100; i++)
                if (await driver.ExecuteAsync(0, CancellationToken.None)) counted++;
            return counted;
        }))).WaitAsync(TimeSpan.FromSeconds(60));

        var outcome = Collect(recorder);
        Assert.Equal(800, results.Sum());
        Assert.Equal(800, outcome.Requests);
        Assert.Equal(0, outcome.Abandoned);
        Assert.True(outcome.Successes > 0 && outcome[ErrorKind.Http5xx] > 0 && outcome[ErrorKind.Protocol] > 0, outcome.ToString());
    }

    [Theory]
    [InlineData("https://127.0.0.1:1/", "/a", "X-Ok", "1")]
    [InlineData("http://127.0.0.1:1/", "http://127.0.0.2:1/a", "X-Ok", "1")]
    [InlineData("http://127.0.0.1:1/", "/a", "X-Bad", "line\r\nInjected: 1")]
    [InlineData("http://127.0.0.1:1/", "/a", "Bad Name", "1")]
    [InlineData("http://127.0.0.1:1/", "/a", "Transfer-Encoding", "chunked")]
    public void Should_refuse_a_scenario_it_cannot_encode(string target, string path, string header, string value)
    {
        var scenario = Scenario(new Uri(target), path: path, headers: new Dictionary<string, string> { [header] = value });

        Assert.NotNull(FastHttpDriver.Unsupported(scenario));
        Assert.Throws<ArgumentException>(() => new FastHttpDriver(scenario, new MetricsRecorder(["a"]), 1));
    }

    [Fact]
    public async Task Should_resolve_a_host_name_target()
    {
        await using var server = new ScriptedHttpServer(ScriptedReply.Of(Ok));

        var outcome = await Sequential(HttpEngine.Fast, Scenario(new Uri($"http://localhost:{server.Port}/")), requests: 2);

        Assert.Equal(2, outcome.Successes);
        Assert.All(server.Requests, r => Assert.Contains($"\r\nHost: localhost:{server.Port}\r\n", r.Text));
    }
}
