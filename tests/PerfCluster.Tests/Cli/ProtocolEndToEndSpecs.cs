using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using PerfCluster.Target;

namespace PerfCluster.Tests.Cli;

/// <summary>
/// HTTP/2 (h2c and over TLS), mutual TLS and WebSocket flows run for real against the demo target, in one process and
/// over two worker processes: every step's count is what the server counted, and each way a protocol fails is an
/// error of its own kind, within its timeout.
/// </summary>
public sealed class ProtocolEndToEndSpecs
{
    private static DemoTargetOptions Fast => new(0, TimeSpan.FromMilliseconds(1), TimeSpan.Zero) { H2cPort = 0, TlsPort = 0 };

    private static async Task<JsonElement> RunAsync(TempDirectory dir, string scenario, int workers = 1, bool passes = true)
    {
        var file = dir.File("scenario.conf", scenario);
        string[] args = ["run", file, "--out", dir.Sub("out"), .. workers > 1 ? new[] { "--workers", workers.ToString() } : []];
        var (code, stdout, stderr) = await CliProcess.RunAsync(TimeSpan.FromSeconds(120), args);
        Assert.True(passes ? code == 0 : code is 0 or 1, $"exit {code}\n{stdout}\n{stderr}");
        Assert.DoesNotContain("   at ", stdout + stderr);
        return ReportFiles.Read(dir.Sub("out")).GetProperty("load_tests").EnumerateObject().Single().Value;
    }

    private static long Requests(JsonElement test, string step) => test.GetProperty("endpoints").GetProperty(step).GetProperty("requests").GetInt64();

    private static long Errors(JsonElement test, string kind) => test.GetProperty("errors_by_kind").GetProperty(kind).GetInt64();

    private static JsonElement Check(JsonElement test, string check) => test.GetProperty("journey").GetProperty("checks").GetProperty(check);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Should_run_an_h2c_flow_over_few_connections_with_the_servers_counts(int workers)
    {
        await using var target = await DemoTarget.StartAsync(Fast);
        using var dir = new TempDirectory();
        var test = await RunAsync(dir, $$$"""
            target = "{{{target.H2cUrl}}}"
            concurrent-users = 16
            duration = 3s
            http { version = 2, max-connections = 2, streams = 8 }
            flow = [
              { request { name = projects, path = "/api/v1/projects", check { ok { json = "ok", equals = "true" } } } }
              { request { name = tasks, method = POST, path = "/api/v1/tasks", body = "{\"n\": {{iteration}} }" } }
            ]
            """, workers);

        Assert.Equal(0, test.GetProperty("errors").GetInt64());
        Assert.Equal(target.Counts["/api/v1/projects"], Requests(test, "projects"));
        Assert.Equal(target.Counts["/api/v1/tasks"], Requests(test, "tasks"));
        Assert.True(Requests(test, "tasks") > 100, $"{Requests(test, "tasks")} requests");
        // Every request went over HTTP/2: none fell back to HTTP/1.1.
        Assert.Equal(target.TotalServed, target.Protocols["HTTP/2"]);
        Assert.False(target.Protocols.ContainsKey("HTTP/1.1"));
        Assert.Equal(Requests(test, "projects"), Check(test, "ok").GetProperty("passes").GetInt64());
    }

    [Fact]
    public async Task Should_run_https_http2_against_a_self_signed_target_only_when_asked_and_time_the_handshakes()
    {
        await using var target = await DemoTarget.StartAsync(Fast);
        const string Flow = """
            flow = [
              { request { name = tls, path = "/__tls", check { h2 { json = "protocol", equals = "HTTP/2" }, https { json = "https", equals = "true" } } } }
              { request { name = projects, path = "/api/v1/projects" } }
            ]
            """;
        using (var dir = new TempDirectory())
        {
            var test = await RunAsync(dir, $$$"""
                target = "{{{target.TlsUrl}}}"
                concurrent-users = 8
                duration = 2s
                http { version = 2, max-connections = 2, tls { accept-self-signed = ["127.0.0.1"] } }
                {{{Flow}}}
                """);

            Assert.Equal(0, test.GetProperty("errors").GetInt64());
            Assert.Equal(target.Counts["/api/v1/projects"], Requests(test, "projects"));
            Assert.Equal(Requests(test, "tls"), Check(test, "h2").GetProperty("passes").GetInt64());
            Assert.Equal(Requests(test, "tls"), Check(test, "https").GetProperty("passes").GetInt64());
            // Two connections, each one handshake, timed apart from the requests.
            var handshakes = test.GetProperty("journey").GetProperty("groups").GetProperty("tls-handshake");
            Assert.Equal(2, handshakes.GetProperty("completed").GetInt64());
            Assert.True(handshakes.GetProperty("duration").GetProperty("p50").GetDouble() > 0);
        }

        var served = target.TotalServed;
        using (var dir = new TempDirectory())
        {
            // Not asked: the certificate is refused and every request is a tls error.
            var test = await RunAsync(dir, $$$"""
                target = "{{{target.TlsUrl}}}"
                concurrent-users = 2
                duration = 2s
                http { version = 2 }
                {{{Flow}}}
                """, passes: false);

            Assert.True(Requests(test, "tls") > 0);
            Assert.Equal(test.GetProperty("requests").GetInt64(), Errors(test, "tls"));
            Assert.Equal(served, target.TotalServed);
        }
    }

    [Fact]
    public async Task Should_present_a_client_certificate_to_a_mutual_tls_target_and_fail_as_tls_without_one()
    {
        await using var target = await DemoTarget.StartAsync(Fast with { RequireClientCertificate = true });
        using var dir = new TempDirectory();
        using (var client = TargetCertificate.Create("CN=perfcluster-test-client"))
        using (var key = client.GetRSAPrivateKey()!)
        {
            File.WriteAllText(dir.File("client.crt", ""), client.ExportCertificatePem());
            File.WriteAllText(dir.File("client.key", ""), key.ExportPkcs8PrivateKeyPem());
        }
        string Scenario(string tls) => $$$"""
            target = "{{{target.TlsUrl}}}"
            concurrent-users = 2
            duration = 2s
            http { tls { accept-self-signed = ["127.0.0.1"]{{{tls}}} } }
            flow = [ { request { name = tls, path = "/__tls", check { client { json = "client_certificate", equals = "CN=perfcluster-test-client" } } } } ]
            """;

        // Over two workers: the key travels to them inside the cluster's messages (and nowhere else).
        var test = await RunAsync(dir, Scenario(", client-certificate = client.crt, client-key = client.key"), workers: 2);
        Assert.Equal(0, test.GetProperty("errors").GetInt64());
        Assert.Equal(Requests(test, "tls"), Check(test, "client").GetProperty("passes").GetInt64());
        Assert.DoesNotContain("PRIVATE KEY", File.ReadAllText(Path.Combine(dir.Sub("out"), "report.json")));

        // Without one the server hangs up. TLS 1.3 finishes the handshake before the server checks the client's
        // certificate, so the client sees the connection end unanswered (reset); under TLS 1.2 the handshake fails (tls).
        var served = target.TotalServed;
        test = await RunAsync(dir, Scenario(""), passes: false);
        var requests = test.GetProperty("requests").GetInt64();
        Assert.True(requests > 0);
        Assert.Equal(requests, test.GetProperty("errors").GetInt64());
        Assert.Equal(requests, Errors(test, "reset") + Errors(test, "tls"));
        Assert.Equal(served, target.TotalServed);
    }

    [Fact]
    public async Task Should_count_h2c_against_an_http11_only_server_as_http_version_errors()
    {
        await using var target = await DemoTarget.StartAsync(Fast);
        using var dir = new TempDirectory();
        var test = await RunAsync(dir, $$$"""
            target = "{{{target.BaseUrl}}}"
            concurrent-users = 4
            duration = 2s
            http { version = 2 }
            endpoints = [ "/api/v1/projects" ]
            """, passes: false);

        var requests = test.GetProperty("requests").GetInt64();
        Assert.True(requests > 0);
        Assert.Equal(requests, test.GetProperty("errors").GetInt64());
        // A connection the server drops as it refuses may surface as a reset; the rest say what went wrong.
        Assert.True(Errors(test, "http_version") >= requests * 0.95, $"{Errors(test, "http_version")} of {requests}");
        Assert.Equal(0, Errors(test, "other"));
        Assert.Equal(0, target.Counts.GetValueOrDefault("/api/v1/projects"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Should_run_a_websocket_echo_flow_on_sockets_kept_across_iterations_with_the_servers_counts(int workers)
    {
        await using var target = await DemoTarget.StartAsync(Fast);
        using var dir = new TempDirectory();
        var test = await RunAsync(dir, $$$"""
            target = "{{{target.BaseUrl}}}"
            concurrent-users = 8
            duration = 3s
            setup = [ { ws-connect { name = connect, path = "/ws/echo", headers { X-User = "{{vu}}" } } } ]
            flow = [
              { ws-send { name = send, message = "{\"n\": {{iteration}}, \"vu\": {{vu}} }" } }
              { ws-receive { name = echo, until { json = "n", equals = "{{iteration}}" }, timeout = 2s, check { same_vu { json = "vu", equals = "{{vu}}" } } } }
            ]
            thresholds = [ "checks > 0.999", { step = echo, threshold = "p99 < 1s" } ]
            """, workers);

        Assert.Equal(0, test.GetProperty("errors").GetInt64());
        var sockets = target.Sockets;
        Assert.Equal(8, Requests(test, "connect"));          // one socket per user, kept for the whole run
        Assert.Equal(sockets.Connections, Requests(test, "connect"));
        Assert.Equal(sockets.Received, Requests(test, "send"));
        Assert.Equal(sockets.Sent, Requests(test, "echo"));
        Assert.True(Requests(test, "echo") > 1000, $"{Requests(test, "echo")} echoes");
        Assert.Equal(Requests(test, "echo"), Check(test, "same_vu").GetProperty("passes").GetInt64());
        var latency = test.GetProperty("endpoints").GetProperty("echo").GetProperty("latency");
        Assert.InRange(latency.GetProperty("p50").GetDouble(), 1e-6, 1);
    }

    [Fact]
    public async Task Should_read_pushed_messages_until_the_last_and_carry_an_extracted_value_to_the_next_receive()
    {
        await using var target = await DemoTarget.StartAsync(Fast);
        using var dir = new TempDirectory();
        var test = await RunAsync(dir, $$$"""
            target = "{{{target.BaseUrl}}}"
            concurrent-users = 4
            duration = 2s
            flow = [
              { ws-connect { name = connect, path = "/ws/subscribe", socket = feed } }
              { ws-send { name = subscribe, socket = feed, message = "{\"subscribe\": \"t{{vu}}\", \"count\": 5, \"interval_ms\": 5}" } }
              { ws-receive { name = first, socket = feed, until { json = "seq", equals = "1" }, extract { topic { json = "topic" } } } }
              { ws-receive { name = last, socket = feed, until { json = "last", equals = "true" }, check { same_topic { json = "topic", equals = "{{topic}}" } } } }
              { ws-close = feed }
            ]
            """);

        Assert.Equal(0, test.GetProperty("errors").GetInt64());
        var iterations = Requests(test, "last");
        Assert.True(iterations > 10, $"{iterations} iterations");
        Assert.Equal(target.Sockets.Connections, Requests(test, "connect"));
        Assert.Equal(target.Sockets.Received, Requests(test, "subscribe"));
        Assert.Equal(iterations, Requests(test, "first"));
        // Five pushes per subscription; a run that stops mid-subscription leaves some unread.
        Assert.InRange(target.Sockets.Sent, 5 * iterations, 5 * (iterations + 4));
        Assert.Equal(iterations, Check(test, "same_topic").GetProperty("passes").GetInt64());
        // The first push comes ~5 ms after the subscribe, the last ~25 ms: latency runs from the send.
        var first = test.GetProperty("endpoints").GetProperty("first").GetProperty("latency").GetProperty("p50").GetDouble();
        var last = test.GetProperty("endpoints").GetProperty("last").GetProperty("latency").GetProperty("p50").GetDouble();
        Assert.True(first >= 0.004 && last >= 0.020 && last > first, $"first {first}, last {last}");
    }

    [Fact]
    public async Task Should_time_out_a_receive_that_is_never_answered_without_hanging_the_run()
    {
        await using var target = await DemoTarget.StartAsync(Fast);
        using var dir = new TempDirectory();
        var started = DateTime.UtcNow;
        var test = await RunAsync(dir, $$$"""
            target = "{{{target.BaseUrl}}}"
            concurrent-users = 2
            duration = 2s
            setup = [ { ws-connect { path = "/ws/echo?silent=true" } } ]
            flow = [ { ws-send = "hello" }, { ws-receive { name = reply, timeout = 300ms } } ]
            """, passes: false);

        var replies = Requests(test, "reply");
        Assert.InRange(replies, 2, 20);
        Assert.Equal(replies, Errors(test, "timeout"));
        Assert.Equal(replies, target.Sockets.Received);
        Assert.Equal(2, target.Sockets.Connections);     // a timed-out receive leaves the socket open
        var p50 = test.GetProperty("endpoints").GetProperty("reply").GetProperty("latency").GetProperty("p50").GetDouble();
        Assert.InRange(p50, 0.29, 0.5);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task Should_count_a_server_close_as_ws_closed_and_reconnect_through_the_setup()
    {
        await using var target = await DemoTarget.StartAsync(Fast);
        using var dir = new TempDirectory();
        var test = await RunAsync(dir, $$$"""
            target = "{{{target.BaseUrl}}}"
            concurrent-users = 2
            duration = 2s
            setup = [ { ws-connect { name = connect, path = "/ws/echo?close-after=3" } } ]
            flow = [ { ws-send { name = send, message = "m{{iteration}}" } }, { ws-receive { name = echo, until { body-contains = "m{{iteration}}" }, timeout = 1s } } ]
            """, passes: false);

        var closes = target.Sockets.ServerCloses;
        Assert.True(closes > 10, $"{closes} closes");
        // Each close the server made fails exactly one step of its user, except the last of each user if the run ended first.
        Assert.InRange(Errors(test, "ws_closed"), closes - 2, closes);
        Assert.Equal(Errors(test, "ws_closed"), test.GetProperty("errors").GetInt64());
        Assert.Equal(target.Sockets.Connections, Requests(test, "connect"));
        Assert.InRange(Requests(test, "connect"), closes, closes + 2);
        Assert.Equal(target.Sockets.Sent, Requests(test, "echo") - test.GetProperty("endpoints").GetProperty("echo").GetProperty("errors").GetInt64());
    }

    [Theory]
    [InlineData("http2.conf", true)]
    [InlineData("websocket.conf", false)]
    public async Task Should_run_the_shipped_protocol_scenarios_clean(string file, bool h2c)
    {
        await using var target = await DemoTarget.StartAsync(Fast);
        using var dir = new TempDirectory();
        var (code, stdout, stderr) = await CliProcess.RunAsync(TimeSpan.FromSeconds(90),
            "run", Path.Combine(Deploy.DeployFiles.Root, "hocon", "scenarios", file), "--target", (h2c ? target.H2cUrl! : target.BaseUrl).ToString(),
            "--duration", "3s", "--ramp-up", "0s", "--out", dir.Sub("out"));

        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        var test = ReportFiles.Read(dir.Sub("out")).GetProperty("load_tests").EnumerateObject().Single().Value;
        Assert.Equal(0, test.GetProperty("errors").GetInt64());
        Assert.All(test.GetProperty("thresholds").EnumerateArray(), t => Assert.True(t.GetProperty("passed").GetBoolean()));
        if (h2c) Assert.Equal(target.TotalServed, target.Protocols["HTTP/2"]);
        else Assert.Equal(target.Sockets.Received, Requests(test, "send") + Requests(test, "subscribe"));
    }

    private static string DemoProto => Path.Combine(Deploy.DeployFiles.Root, "hocon", "protos", "demo.proto");

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Should_run_the_shipped_grpc_flow_with_the_servers_call_and_message_counts(int workers)
    {
        await using var target = await DemoTarget.StartAsync(Fast);
        using var dir = new TempDirectory();
        string[] args = ["run", Path.Combine(Deploy.DeployFiles.Root, "hocon", "scenarios", "grpc.conf"), "--target", target.H2cUrl!.ToString(),
            "--duration", "4s", "--ramp-up", "0s", "--users", "8", "--out", dir.Sub("out"), .. workers > 1 ? new[] { "--workers", "2" } : []];
        var (code, stdout, stderr) = await CliProcess.RunAsync(TimeSpan.FromSeconds(120), args);

        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        var test = ReportFiles.Read(dir.Sub("out")).GetProperty("load_tests").GetProperty("grpc");
        Assert.True(test.GetProperty("errors").GetInt64() == 0, test.GetProperty("errors_by_kind").ToString());
        var calls = target.Grpc.Calls;
        Assert.Equal(calls["SayHello"], Requests(test, "say_hello"));
        Assert.Equal(calls["Countdown"], Requests(test, "countdown"));
        Assert.True(Requests(test, "countdown") > 50, $"{Requests(test, "countdown")} countdowns");
        Assert.Equal(5 * Requests(test, "countdown"), target.Grpc.StreamedMessages);
        foreach (var check in new[] { "greeted", "tagged", "five", "ends" })
            Assert.Equal(Requests(test, check is "greeted" or "tagged" ? "say_hello" : "countdown"), Check(test, check).GetProperty("passes").GetInt64());
        Assert.Equal(calls.Values.Sum(), target.Protocols["HTTP/2"]);
        Assert.False(target.Protocols.ContainsKey("HTTP/1.1"));
    }

    [Fact]
    public async Task Should_count_each_grpc_status_and_failure_as_its_own_kind_within_the_deadline()
    {
        await using var target = await DemoTarget.StartAsync(Fast);
        using var dir = new TempDirectory();
        File.Copy(DemoProto, dir.Sub("demo.proto"));
        const string Flow = """
            flow = [
              { grpc { name = missing, method = "perfcluster.demo.Greeter/NotServed", on-failure = continue } }
              { grpc { name = not_found, method = "perfcluster.demo.Greeter/Fail", message = "{\"code\": 5, \"detail\": \"no such\"}", on-failure = continue } }
              { grpc { name = expected, method = "perfcluster.demo.Greeter/Fail", message = "{\"code\": 5, \"detail\": \"no such\"}", expect-code = NOT_FOUND,
                       check { detail { json = "detail", equals = "no such" } }, on-failure = continue } }
              { grpc { name = slow, method = "perfcluster.demo.Greeter/Countdown", message = "{\"from\": 3, \"intervalMs\": 300}", timeout = 200ms, on-failure = continue } }
              { grpc { name = bad, method = "perfcluster.demo.Greeter/SayHello", message = "{\"name\": {{vu}} }", on-failure = continue } }
            ]
            """;
        var test = await RunAsync(dir, $$$"""
            target = "{{{target.H2cUrl}}}"
            concurrent-users = 2
            duration = 2s
            grpc { protos = ["demo.proto"] }
            {{{Flow}}}
            """, passes: false);

        var iterations = Requests(test, "missing");
        Assert.True(iterations > 2, $"{iterations} iterations");
        Assert.Equal(iterations, Errors(test, "grpc_unimplemented"));
        Assert.Equal(iterations, Errors(test, "grpc_not_found"));
        Assert.Equal(0, test.GetProperty("endpoints").GetProperty("expected").GetProperty("errors").GetInt64());
        Assert.Equal(Requests(test, "expected"), Check(test, "detail").GetProperty("passes").GetInt64());
        Assert.Equal(Requests(test, "slow"), Errors(test, "timeout"));
        Assert.InRange(test.GetProperty("endpoints").GetProperty("slow").GetProperty("latency").GetProperty("p50").GetDouble(), 0.19, 0.4);
        Assert.Equal(Requests(test, "bad"), Errors(test, "bad_message"));
        Assert.Equal(2 * Requests(test, "not_found"), target.Grpc.Calls["Fail"]);
        Assert.False(target.Grpc.Calls.ContainsKey("SayHello"));   // a message that does not fit is never sent

        // The same calls to a server that speaks HTTP/1.1 only: the transport's kind, not a status.
        using var other = new TempDirectory();
        File.Copy(DemoProto, other.Sub("demo.proto"));
        test = await RunAsync(other, $$$"""
            target = "{{{target.BaseUrl}}}"
            concurrent-users = 2
            duration = 2s
            grpc { protos = ["demo.proto"] }
            flow = [ { grpc { name = hello, method = "perfcluster.demo.Greeter/SayHello" } } ]
            """, passes: false);
        Assert.True(Errors(test, "http_version") >= Requests(test, "hello") * 0.95, $"{Errors(test, "http_version")} of {Requests(test, "hello")}");
    }

    [Theory]
    [InlineData("flow = [ { grpc { method = \"perfcluster.demo.Greeter/SayHelo\" } } ]", "demo", "bad.conf:5:", "did you mean 'SayHello'?")]
    [InlineData("flow = [ { grpc { method = \"perfcluster.demo.Greeter/SayHello\", message = \"{\\\"nmae\\\": 1}\" } } ]", "demo", "bad.conf:5:", "Unknown field: nmae")]
    [InlineData("flow = [ { pause = 1s } ]", "broken", "demo.proto:", "the .proto does not compile")]
    public async Task Should_reject_a_bad_grpc_contract_or_step_with_exit_2_and_the_line(string flow, string proto, string where, string message)
    {
        using var dir = new TempDirectory();
        var text = File.ReadAllText(DemoProto);
        File.WriteAllText(dir.Sub("demo.proto"), proto == "broken" ? text.Replace("int32 times = 2;", "int32 times = 2") : text);
        var file = dir.File("bad.conf", $"target = \"http://127.0.0.1:9\"\nconcurrent-users = 2\nduration = 2s\ngrpc {{ protos = [\"demo.proto\"] }}\n{flow}\n");
        var (code, stdout, stderr) = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), "run", file, "--out", dir.Sub("out"));

        Assert.Equal(2, code);
        Assert.Contains(where, stderr);
        Assert.Contains(message, stderr);
        Assert.DoesNotContain("   at ", stderr + stdout);
    }

    [Theory]
    [InlineData("http { version = 3 }\nendpoints = [\"/a\"]", "1.1 or 2")]
    [InlineData("flow = [ { ws-send = \"hi\" } ]", "no ws-connect step opens socket 'main'")]
    [InlineData("http { tls { accept-self-signed = \"*\" } }\nendpoints = [\"/a\"]", "names hosts one by one")]
    public async Task Should_reject_bad_protocol_settings_with_exit_2_and_the_line(string text, string message)
    {
        using var dir = new TempDirectory();
        var file = dir.File("bad.conf", $"target = \"http://127.0.0.1:9\"\nconcurrent-users = 2\nduration = 2s\n{text}\n");
        var (code, stdout, stderr) = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), "run", file, "--out", dir.Sub("out"));

        Assert.Equal(2, code);
        Assert.Contains($"{file}:4:", stderr);
        Assert.Contains(message, stderr);
        Assert.DoesNotContain("   at ", stderr + stdout);
    }
}
