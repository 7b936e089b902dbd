using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PerfCluster.Core.Input;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Steps;
using Xunit;

namespace PerfCluster.Core.Tests.Steps;

/// <summary>HTTP/2, TLS and WebSocket settings and steps as a scenario file states them, and their load-time errors.</summary>
public sealed class ProtocolLoadingSpecs : IDisposable
{
    private const string Head = "target = \"https://127.0.0.1:1\"\nconcurrent-users = 5\nduration = 5s\n";
    private readonly string _dir = Directory.CreateTempSubdirectory("perfcluster-protocols-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ScenarioDefinition Load(string text)
    {
        var file = Path.Combine(_dir, "scenario.conf");
        File.WriteAllText(file, text);
        return ScenarioLoader.LoadFile(file).Scenarios.Single();
    }

    private void WriteClientCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=client", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(Path.Combine(_dir, "client.crt"), certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_dir, "client.key"), key.ExportPkcs8PrivateKeyPem());
    }

    [Fact]
    public void Should_read_http2_with_its_connections_streams_and_tls()
    {
        WriteClientCertificate();
        var s = Load(Head + """
            http {
              version = 2, max-connections = 3, streams = 50
              tls { accept-self-signed = ["127.0.0.1", localhost], sni = api.example.test, client-certificate = client.crt, client-key = client.key }
            }
            flow = [ { request { path = "/a" } }, { request { path = "/b", http { version = 1.1 } } } ]
            """);

        Assert.Equal(HttpProtocol.Http2, s.Http.Version);
        Assert.Equal(3, s.Http.Http2Connections);
        Assert.Equal(50, s.Http.Streams);
        Assert.Equal(["127.0.0.1", "localhost"], s.Http.Tls.AcceptSelfSigned);
        Assert.True(s.Http.Tls.AcceptsSelfSignedFor("LOCALHOST"));
        Assert.False(s.Http.Tls.AcceptsSelfSignedFor("example.test"));
        Assert.Equal("api.example.test", s.Http.Tls.ServerName);
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", s.Http.Tls.ClientCertificatePem);
        var steps = s.Journey!.Flows[0].Steps.Cast<RequestStep>().ToList();
        Assert.Null(steps[0].Version);
        Assert.Equal(HttpProtocol.Http11, steps[1].Version);
    }

    [Fact]
    public void Should_carry_the_client_key_to_workers_but_mask_it_in_written_reports()
    {
        WriteClientCertificate();
        var s = Load(Head + "http { version = 2, tls { client-certificate = client.crt, client-key = client.key } }\nendpoints = [\"/a\"]\n");

        var shared = ScenarioJson.Read(ScenarioJson.Write(s, secrets: true));
        Assert.Equal(s.Http, shared.Http);
        Assert.Equal(s.Http.Tls.ClientKeyPem, shared.Http.Tls.ClientKeyPem);

        var written = ScenarioJson.Write(s);
        Assert.DoesNotContain("PRIVATE KEY", written);
        Assert.Contains(ScenarioBuilder.MaskedKey, written);
        Assert.Contains("client key", Assert.Throws<ScenarioException>(() => ScenarioJson.Read(written)).Message);
    }

    [Fact]
    public void Should_read_websocket_steps_on_named_sockets_with_their_defaults()
    {
        var s = Load(Head + """
            setup = [ { ws-connect { path = "/ws/echo", headers { X-User = "{{vu}}" }, subprotocols = [chat] } } ]
            flow = [
              { ws-connect { path = "/ws/subscribe", socket = feed, timeout = 2s } }
              { ws-send = "hello {{iteration}}" }
              { ws-send { socket = feed, message = "{\"subscribe\": \"x\"}" } }
              { ws-receive { until { body-contains = "hello {{iteration}}" }, timeout = 1s } }
              { ws-receive { name = pushed, socket = feed, until { json = "last", equals = "true" }, extract { seq { json = "seq" } }, check { topic { regex = "\"topic\":\"x\"" } } } }
              { ws-close = feed }
            ]
            """);

        var setup = Assert.IsType<WsConnectStep>(Assert.Single(s.Journey!.Setup));
        Assert.Equal("main", setup.Socket);
        Assert.Equal(["chat"], setup.Subprotocols);
        var flow = s.Journey.Flows[0].Steps;
        Assert.Equal("feed", Assert.IsType<WsConnectStep>(flow[0]).Socket);
        Assert.Equal(TimeSpan.FromSeconds(2), ((WsConnectStep)flow[0]).Timeout);
        Assert.Equal("main", Assert.IsType<WsSendStep>(flow[1]).Socket);
        Assert.Equal(CheckKind.BodyContains, Assert.IsType<WsReceiveStep>(flow[3]).Until!.Kind);
        var pushed = Assert.IsType<WsReceiveStep>(flow[4]);
        Assert.Equal(("feed", CheckKind.JsonEquals, "seq"), (pushed.Socket, pushed.Until!.Kind, pushed.Extract[0].Variable));
        Assert.Equal("feed", Assert.IsType<WsCloseStep>(flow[5]).Socket);
        Assert.Equal(["WS connect /ws/echo", "WS connect /ws/subscribe", "WS send main", "WS send feed", "WS receive main", "pushed"], s.Endpoints.Select(e => e.Name));
        Assert.Contains("topic", s.Journey.Checks.Select(c => c.Name));
    }

    [Theory]
    [InlineData("http { version = 3 }\nendpoints = [\"/a\"]", "1.1 or 2", 4)]
    [InlineData("http { version = 2, streams = 0 }\nendpoints = [\"/a\"]", "streams", 4)]
    [InlineData("http { tls { accept-self-signed = \"*\" } }\nendpoints = [\"/a\"]", "names hosts one by one", 4)]
    [InlineData("http { tls { client-certificate = \"c.crt\" } }\nendpoints = [\"/a\"]", "not found", 4)]
    [InlineData("http { tls { verify = false } }\nendpoints = [\"/a\"]", "unknown key 'verify'", 4)]
    [InlineData("flow = [ { request { path = \"/a\", http { version = 2.5 } } } ]", "1.1 or 2", 4)]
    [InlineData("flow = [ { ws-send = \"hi\" } ]", "no ws-connect step opens socket 'main'", 4)]
    [InlineData("flow = [ { ws-connect { path = \"/ws\" } }\n { ws-receive { socket = other } } ]", "no ws-connect step opens socket 'other'; the scenario opens main", 5)]
    [InlineData("flow = [ { ws-connect { path = \"ws\" } } ]", "starts with '/'", 4)]
    [InlineData("flow = [ { ws-connect { path = \"/ws\" } }, { ws-receive { check { s { status = 200 } } } } ]", "has no status", 4)]
    [InlineData("flow = [ { ws-connect { path = \"/ws\" } }, { ws-receive { until { latency-under = 1s } } } ]", "'until' tests a message", 4)]
    [InlineData("flow = [ { ws-connect { path = \"/ws\" } }, { ws-receive { until { regex = \"n={{iteration}}\" } } } ]", "not a template", 4)]
    [InlineData("flow = [ { group { name = tls-handshake, steps = [ { pause = 1s } ] } } ]", "tls-handshake", 4)]
    public void Should_reject_bad_protocol_settings_with_the_line(string text, string message, int line)
    {
        var error = Assert.Throws<ScenarioException>(() => Load(Head + text));
        Assert.Contains(message, error.Message);
        Assert.Equal(line, error.Position!.Line);
    }

    [Fact]
    public void Should_refuse_a_certificate_without_its_key()
    {
        WriteClientCertificate();
        var error = Assert.Throws<ScenarioException>(() => Load(Head + "http { tls { client-certificate = client.crt } }\nendpoints = [\"/a\"]"));
        Assert.Contains("needs both 'client-certificate' and 'client-key'", error.Message);
    }
}
