using System.Net;
using System.Net.Sockets;

namespace PerfCluster.Tests.Otlp;

/// <summary>An OTLP/HTTP metrics receiver on 127.0.0.1: takes every POST /v1/metrics (protobuf) and keeps the parsed requests.</summary>
public sealed class OtlpReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly List<ExportMetricsServiceRequest> _received = new();

    public OtlpReceiver()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _ = AcceptAsync();
    }

    public int Port { get; }
    public Uri Url => new($"http://127.0.0.1:{Port}/");

    public IReadOnlyList<ExportMetricsServiceRequest> Received { get { lock (_received) return _received.ToList(); } }

    /// <summary>Every data point of the metrics of that name, with its attributes, across every export received.</summary>
    public IEnumerable<(IReadOnlyDictionary<string, string> Attributes, Metric Metric, object Point)> Points(string name) =>
        Received.SelectMany(r => r.ResourceMetrics).SelectMany(r => r.ScopeMetrics).SelectMany(s => s.Metrics).Where(m => m.Name == name)
            .SelectMany(m => m.DataCase switch
            {
                Metric.DataOneofCase.Sum => m.Sum.DataPoints.Select(p => (Attributes(p.Attributes), m, (object)p)),
                Metric.DataOneofCase.Gauge => m.Gauge.DataPoints.Select(p => (Attributes(p.Attributes), m, (object)p)),
                Metric.DataOneofCase.Histogram => m.Histogram.DataPoints.Select(p => (Attributes(p.Attributes), m, (object)p)),
                _ => [],
            });

    public static IReadOnlyDictionary<string, string> Attributes(IEnumerable<KeyValue> attributes) =>
        attributes.ToDictionary(a => a.Key, a => a.Value.ValueCase switch
        {
            AnyValue.ValueOneofCase.StringValue => a.Value.StringValue,
            AnyValue.ValueOneofCase.IntValue => a.Value.IntValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
            AnyValue.ValueOneofCase.BoolValue => a.Value.BoolValue.ToString(),
            _ => a.Value.DoubleValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

    private async Task AcceptAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try { ctx = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
            try
            {
                using var body = new MemoryStream();
                await ctx.Request.InputStream.CopyToAsync(body);
                if (ctx.Request.Url?.AbsolutePath == "/v1/metrics")
                    lock (_received) _received.Add(ExportMetricsServiceRequest.Parser.ParseFrom(body.ToArray()));
                ctx.Response.StatusCode = ctx.Request.Url?.AbsolutePath == "/v1/metrics" ? 200 : 404;
                ctx.Response.ContentType = "application/x-protobuf";
            }
            catch (Google.Protobuf.InvalidProtocolBufferException)
            {
                ctx.Response.StatusCode = 400;
            }
            ctx.Response.Close();
        }
    }

    public void Dispose() => _listener.Close();
}
