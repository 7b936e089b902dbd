using System.Net;
using System.Net.Sockets;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Metrics;
using PerfCluster.Engine.Drivers;
using PerfCluster.Engine.Workers;
using static PerfCluster.Engine.Tests.Drivers.DriverRuns;

namespace PerfCluster.Engine.Tests.Drivers;

/// <summary>
/// The same scripted server behaviour through <see cref="HttpDriver"/> (SocketsHttpHandler) and
/// <see cref="FastHttpDriver"/>: both must record the same requests and error kinds.
/// </summary>
public class FastHttpParitySpecs
{
    private const string Ok = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello";
    private const string Chunked =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n";

    /// <param name="ReferenceKind">Where HttpDriver knowingly records another kind than <paramref name="Kind"/>.</param>
    private sealed record Case(Func<ScriptedRequest, ScriptedReply> Script, string Method = "GET", int[]? Expect = null,
        int Requests = 3, ErrorKind? Kind = null, TimeSpan? Timeout = null, ErrorKind? ReferenceKind = null, long? MaxResponseSize = null);

    private static readonly string BigChunk = $"10000\r\n{new string('x', 0x10000)}\r\n";

    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["content-length"] = new(_ => ScriptedReply.Of(Ok)),
        ["chunked with extensions and trailers"] = new(_ => ScriptedReply.Of(Chunked)),
        ["one byte per read"] = new(_ => ScriptedReply.Of(Chunked, pieceSize: 1), Requests: 2),
        ["connection: close"] = new(_ => ScriptedReply.Of("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", ReplyEnd.Close)),
        ["closed after the response without saying so"] = new(_ => ScriptedReply.Of(Ok, ReplyEnd.Close)),
        ["body until close"] = new(_ => ScriptedReply.Of("HTTP/1.1 200 OK\r\n\r\nall of it", ReplyEnd.Close)),
        ["204"] = new(_ => ScriptedReply.Of("HTTP/1.1 204 No Content\r\n\r\n")),
        ["304"] = new(_ => ScriptedReply.Of("HTTP/1.1 304 Not Modified\r\nETag: \"1\"\r\n\r\n")),
        ["head"] = new(_ => ScriptedReply.Of("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"), Method: "HEAD"),
        ["interim 100 and 103"] = new(_ => ScriptedReply.Of("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" + Ok)),
        ["404"] = new(_ => ScriptedReply.Of("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"), Kind: ErrorKind.Http4xx),
        ["503"] = new(_ => ScriptedReply.Of("HTTP/1.1 503 Unavailable\r\nContent-Length: 4\r\n\r\nbusy"), Kind: ErrorKind.Http5xx),
        ["404 expected"] = new(_ => ScriptedReply.Of("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"), Expect: [404]),
        ["200 where 201 expected"] = new(_ => ScriptedReply.Of(Ok), Expect: [201], Kind: ErrorKind.UnexpectedStatus),
        // The hostile-target matrix: each way an answer can go wrong is an error of its own kind, for both drivers.
        ["malformed status line"] = new(_ => ScriptedReply.Of("HTTP/1.1 OK 200\r\nContent-Length: 0\r\n\r\n"), Kind: ErrorKind.Protocol),
        ["not HTTP at all"] = new(_ => ScriptedReply.Of("SSH-2.0-OpenSSH_9.2\r\n"), Kind: ErrorKind.Protocol),
        ["malformed chunk size"] = new(_ => ScriptedReply.Of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nnope\r\n"),
            Kind: ErrorKind.Protocol),
        ["headers over the limit"] = new(_ => ScriptedReply.Of($"HTTP/1.1 200 OK\r\nX-Big: {new string('a', 70 * 1024)}\r\nContent-Length: 0\r\n\r\n"),
            Kind: ErrorKind.TooLarge),
        ["declared body over max-response-size"] = new(_ => ScriptedReply.Of($"HTTP/1.1 200 OK\r\nContent-Length: {2 << 20}\r\n\r\n{new string('x', 1000)}"),
            Kind: ErrorKind.TooLarge, MaxResponseSize: 1 << 20),
        ["endless chunked body"] = new(_ => ScriptedReply.Forever("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", BigChunk),
            Kind: ErrorKind.TooLarge, MaxResponseSize: 1 << 20),
        ["endless chunked body without a size limit"] = new(_ => ScriptedReply.Forever("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", BigChunk),
            Requests: 1, Kind: ErrorKind.Timeout, Timeout: TimeSpan.FromMilliseconds(800), MaxResponseSize: 0),
        ["endless body until close"] = new(_ => ScriptedReply.Forever("HTTP/1.0 200 OK\r\n\r\n", new string('y', 8192)),
            Kind: ErrorKind.TooLarge, MaxResponseSize: 1 << 20),
        ["one byte per second"] = new(_ => ScriptedReply.Trickle(Ok, TimeSpan.FromSeconds(1)), Requests: 1, Kind: ErrorKind.Timeout,
            Timeout: TimeSpan.FromMilliseconds(1500)),
        ["body longer than its Content-Length"] = new(_ => ScriptedReply.Of(Ok + "HTTP/1.1 999 Smuggled\r\n\r\n")),
        ["HTTP/1.0 body delimited by close"] = new(_ => ScriptedReply.Of("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it", ReplyEnd.Close)),
        ["reset mid-body"] = new(_ => ScriptedReply.Of("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\npartial", ReplyEnd.Reset), Kind: ErrorKind.Reset),
        ["closed mid-body"] = new(_ => ScriptedReply.Of("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\npartial", ReplyEnd.Close), Kind: ErrorKind.Reset),
        ["reset before the response"] = new(_ => ScriptedReply.Of("", ReplyEnd.Reset), Kind: ErrorKind.Reset),
        ["no answer"] = new(_ => ScriptedReply.Hang, Requests: 1, Kind: ErrorKind.Timeout, Timeout: TimeSpan.FromMilliseconds(250)),
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Should_record_the_same_outcome_as_the_sockets_http_handler_driver(string name)
    {
        var c = Cases[name];
        var outcomes = new List<DriverOutcome>();
        foreach (var engine in new[] { HttpEngine.SocketsHttpHandler, HttpEngine.Fast })
        {
            await using var server = new ScriptedHttpServer(c.Script);
            var scenario = Scenario(server.BaseUrl, method: c.Method, expect: c.Expect, timeout: c.Timeout ?? TimeSpan.FromSeconds(5));
            if (c.MaxResponseSize is { } max) scenario = scenario with { Http = scenario.Http with { MaxResponseSize = max } };
            outcomes.Add(await Sequential(engine, scenario, c.Requests));
        }

        var (reference, fast) = (outcomes[0], outcomes[1]);
        if (c.ReferenceKind is { } referenceKind)
        {
            Assert.Equal(c.Requests, reference[referenceKind]);
            Assert.Equal(reference.Requests, fast.Requests);
        }
        else
        {
            Assert.Equal(reference.ToString(), fast.ToString());
        }
        Assert.Equal(c.Requests, fast.Requests);
        if (c.Kind is { } kind) Assert.Equal(c.Requests, fast[kind]);
        else Assert.Equal(0, fast.ErrorCount);
        // No request outlives its timeout, whatever the server does (the slack covers a busy machine: an endless body at full speed
        // is read until the timer fires).
        var limit = (c.Timeout ?? TimeSpan.FromSeconds(5)).TotalSeconds + 1.5;
        Assert.All(outcomes, o => Assert.True(o.MaxLatencySeconds <= limit, $"{o.MaxLatencySeconds:0.000} s > {limit} s"));
    }

    [Fact]
    public async Task Should_record_a_refused_connection_as_the_sockets_http_handler_driver_does()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var target = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/");
        listener.Stop();

        var reference = await Sequential(HttpEngine.SocketsHttpHandler, Scenario(target), requests: 2);
        var fast = await Sequential(HttpEngine.Fast, Scenario(target), requests: 2);

        Assert.Equal(reference.ToString(), fast.ToString());
        Assert.Equal(2, fast[ErrorKind.Refused]);
    }

    [Fact]
    public async Task Should_abandon_a_request_cut_off_by_stop_as_the_sockets_http_handler_driver_does()
    {
        var outcomes = new List<DriverOutcome>();
        foreach (var engine in new[] { HttpEngine.SocketsHttpHandler, HttpEngine.Fast })
        {
            await using var server = new ScriptedHttpServer(ScriptedReply.Hang);
            using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            outcomes.Add(await Sequential(engine, Scenario(server.BaseUrl), requests: 2, stop: stop.Token));
        }

        Assert.Equal(outcomes[0].ToString(), outcomes[1].ToString());
        Assert.Equal(2, outcomes[1].Abandoned);
        Assert.Equal(0, outcomes[1].Requests);
    }

    [Theory]
    [InlineData("GET", null)]
    [InlineData("POST", "{\"a\":[1,2,3]}")]
    [InlineData("PUT", null)]
    [InlineData("DELETE", null)]
    public async Task Should_send_the_same_request_line_headers_and_body_as_the_sockets_http_handler_driver(string method, string? body)
    {
        var requests = new List<string>();
        foreach (var engine in new[] { HttpEngine.SocketsHttpHandler, HttpEngine.Fast })
        {
            await using var server = new ScriptedHttpServer(ScriptedReply.Of(Ok));
            var scenario = Scenario(server.BaseUrl, method: method, path: "/v1/items?id=7", body: body,
                headers: new Dictionary<string, string> { ["Accept"] = "application/json", ["Content-Type"] = "application/json", ["X-Run"] = "r1" });
            await Sequential(engine, scenario);
            // The two servers listen on different ports.
            requests.Add(Assert.Single(server.Requests).Text.Replace($"127.0.0.1:{server.Port}", "127.0.0.1:PORT", StringComparison.Ordinal));
        }

        static string[] Lines(string request) => request.Split("\r\n").Order(StringComparer.OrdinalIgnoreCase).ToArray();
        Assert.Equal(requests[0][..requests[0].IndexOf('\r')], requests[1][..requests[1].IndexOf('\r')]);
        Assert.Equal(Lines(requests[0]), Lines(requests[1]));
        Assert.Equal(requests[0].Length, requests[1].Length);
    }

    [Fact]
    public async Task Should_record_the_same_counts_under_concurrent_load()
    {
        var outcomes = new List<DriverOutcome>();
        foreach (var engine in new[] { HttpEngine.SocketsHttpHandler, HttpEngine.Fast })
        {
            await using var server = new ScriptedHttpServer(r => ScriptedReply.Of(r.Index % 5 == 0
                ? "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n"
                : r.Index % 2 == 0 ? Chunked : Ok));
            var recorder = new MetricsRecorder(["a"]);
            using var driver = RequestDrivers.Create(Scenario(server.BaseUrl), recorder, 4, engine);
            await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            {
                for (var i = 0; i < 25; i++) await driver.ExecuteAsync(0, null, CancellationToken.None);
            })));
            outcomes.Add(Collect(recorder));
        }

        Assert.Equal(outcomes[0].ToString(), outcomes[1].ToString());
        Assert.Equal(100, outcomes[1].Requests);
        Assert.Equal(20, outcomes[1][ErrorKind.Http5xx]);
    }
}
