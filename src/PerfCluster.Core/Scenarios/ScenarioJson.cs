using System.Globalization;
using System.Text;
using System.Text.Json;
using PerfCluster.Core.Alerts;
using PerfCluster.Core.Monitoring;
using PerfCluster.Core.Regression;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Input;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Steps;

namespace PerfCluster.Core.Scenarios;

/// <summary>
/// The one written form of a <see cref="ScenarioDefinition"/>: a scenario file in JSON that <see cref="ScenarioLoader"/>
/// reads back into the same definition. A client sends a scenario it already loaded (with its command-line overrides
/// applied) to a coordinator in it, the cluster's messages and the run journal carry it (<see cref="Converter"/>), and
/// every report.json keeps it, so every report can be run again as it is. Every value is explicit, so nothing depends
/// on the loader's defaults; durations are written exactly (s, ms or ns).
/// </summary>
public static class ScenarioJson
{
    /// <summary>The file name a written scenario is read back under (its positions name it).</summary>
    public const string SourceName = "scenario.json";

    /// <summary>Reads a written scenario back.</summary>
    /// <exception cref="ScenarioException">The text is not one scenario the loader accepts.</exception>
    public static ScenarioDefinition Read(string json, string sourceName = SourceName)
    {
        var plan = ScenarioLoader.LoadText(json, sourceName);
        return plan.Scenarios.Count == 1
            ? plan.Scenarios[0]
            : throw new ScenarioException($"expected one scenario but the text has {plan.Scenarios.Count}");
    }

    /// <summary>
    /// System.Text.Json reads and writes a <see cref="ScenarioDefinition"/> in this form, as a JSON object.
    /// With <paramref name="legacy"/>, an object stored earlier in the record's own shape (it has a "load") is read
    /// with those options.
    /// </summary>
    /// <param name="secrets">Write connection strings whole (the cluster's messages, which workers run from); otherwise masked (the store).</param>
    public sealed class Converter(JsonSerializerOptions? legacy = null, bool secrets = false) : System.Text.Json.Serialization.JsonConverter<ScenarioDefinition>
    {
        public override ScenarioDefinition Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (legacy is not null && root.ValueKind == JsonValueKind.Object && root.TryGetProperty("load", out _))
                return root.Deserialize<ScenarioDefinition>(legacy) ?? throw new JsonException("a stored scenario is null");
            try
            {
                return ScenarioJson.Read(root.ValueKind == JsonValueKind.String ? root.GetString()! : root.GetRawText());
            }
            catch (ScenarioException e)
            {
                throw new JsonException($"not a scenario: {e.Describe()}", e);
            }
        }

        public override void Write(Utf8JsonWriter writer, ScenarioDefinition value, JsonSerializerOptions options) =>
            writer.WriteRawValue(ScenarioJson.Write(value, indented: false, secrets), skipInputValidation: true);
    }

    /// <summary>The TLS settings, with the client certificate inline; its key only in the cluster's own messages.</summary>
    private static void WriteTls(Utf8JsonWriter json, TlsSettings tls, bool secrets)
    {
        json.WriteStartObject("tls");
        if (tls.AcceptSelfSigned.Count > 0)
        {
            json.WriteStartArray("accept_self_signed");
            foreach (var host in tls.AcceptSelfSigned) json.WriteStringValue(host);
            json.WriteEndArray();
        }
        if (tls.ServerName is not null) json.WriteString("server_name", tls.ServerName);
        if (tls.ClientCertificatePem is not null) json.WriteString("client_certificate_pem", tls.ClientCertificatePem);
        if (tls.ClientKeyPem is not null) json.WriteString("client_key_pem", secrets ? tls.ClientKeyPem : ScenarioBuilder.MaskedKey);
        json.WriteEndObject();
    }

    /// <summary>The workload model's keys: open (arrival rate and pool) or closed (users, ramp-up or stages, think time).</summary>
    private static void WriteWorkload(Utf8JsonWriter json, ScenarioDefinition scenario)
    {
        var load = scenario.Load;
        if (scenario.Open is { } open)
        {
            if (open.Stages.Count == 0)
            {
                json.WriteNumber("arrival_rate", open.Rate);
                json.WriteString("duration", Duration(load.Duration));
            }
            else
            {
                json.WriteStartObject("arrival_rate");
                json.WriteNumber("start", open.StartRate);
                WriteStages(json, open.Stages);
                json.WriteEndObject();
            }
            json.WriteNumber("pre_allocated_users", open.PreAllocatedUsers);
            json.WriteNumber("max_users", open.MaxUsers);
            return;
        }
        if (load.Phases is { } phases)
        {
            json.WriteStartObject("scalability");
            json.WriteNumber("users", phases.Users);
            json.WriteString("phase", Duration(phases.Phase));
            json.WriteEndObject();
        }
        else
        {
            json.WriteNumber("concurrent_users", load.Users);
            if (load.Stages.Count > 0) WriteStages(json, load.Stages);
        }
        if (load.Phases is null && load.Stages.Count == 0)
        {
            json.WriteString("duration", Duration(load.Duration));
            json.WriteString("ramp_up", Duration(load.RampUp));
        }
        json.WriteStartObject("think_time");
        json.WriteString("mean", Duration(load.Think.Mean));
        json.WriteString("jitter", Duration(load.Think.Jitter));
        json.WriteEndObject();
    }

    private static void WriteStages(Utf8JsonWriter json, IReadOnlyList<Stage> stages)
    {
        json.WriteStartArray("stages");
        foreach (var stage in stages)
        {
            json.WriteStartObject();
            json.WriteString("duration", Duration(stage.Duration));
            json.WriteNumber("target", stage.Target);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    /// <param name="secrets">
    /// Write database connection strings whole: only for what a worker or a coordinator must run from. Every other form
    /// (reports, the API, baselines, the store) masks their passwords, and so does the default.
    /// </param>
    public static string Write(ScenarioDefinition scenario, bool indented = true, bool secrets = false)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            json.WriteStartObject();
            json.WriteString("name", scenario.Name);
            if (scenario.Description is not null) json.WriteString("description", scenario.Description);
            json.WriteString("target", scenario.Target.OriginalString);
            WriteWorkload(json, scenario);
            json.WriteString("warm_up", Duration(scenario.WarmUp));
            json.WriteString("graceful_stop", Duration(scenario.Load.GracefulStop));

            json.WriteStartObject("http");
            json.WriteString("timeout", Duration(scenario.Http.Timeout));
            json.WriteNumber("max_connections", scenario.Http.MaxConnections);
            json.WriteNumber("max_response_size", scenario.Http.MaxResponseSize);
            json.WriteString("engine", scenario.Http.Engine switch
            {
                HttpEngine.Fast => "fast",
                HttpEngine.SocketsHttpHandler => "sockets-http-handler",
                _ => "auto",
            });
            if (scenario.Journey is { } journey) json.WriteBoolean("cookies", journey.Cookies);
            json.WriteString("version", scenario.Http.Version == HttpProtocol.Http2 ? "2" : "1.1");
            json.WriteNumber("streams", scenario.Http.Streams);
            if (!scenario.Http.Tls.Equals(TlsSettings.Default)) WriteTls(json, scenario.Http.Tls, secrets);
            json.WriteEndObject();

            if (scenario.Journey is { } flows) WriteJourney(json, flows, secrets);
            else
            {
                json.WriteStartArray("endpoints");
                foreach (var e in scenario.Endpoints) WriteEndpoint(json, e);
                json.WriteEndArray();

                json.WriteStartObject("request_patterns");
                json.WriteString("distribution", scenario.Distribution switch
                {
                    SelectionMode.Uniform => "uniform",
                    SelectionMode.RoundRobin => "round-robin",
                    _ => "weighted",
                });
                json.WriteEndObject();
            }

            json.WriteStartArray("thresholds");
            foreach (var t in scenario.Thresholds)
            {
                json.WriteStartObject();
                json.WriteString("threshold", t.Expression);
                if (t.Endpoint is not null) json.WriteString("endpoint", t.Endpoint);
                if (t.Flow is not null) json.WriteString("flow", t.Flow);
                if (t.Check is not null) json.WriteString("check", t.Check);
                json.WriteEndObject();
            }
            json.WriteEndArray();

            if (scenario.ModuleTargets.Count > 0)
            {
                json.WriteStartObject("module_targets");
                foreach (var t in scenario.ModuleTargets)
                {
                    json.WriteStartObject(t.Module);
                    if (t.MinOpsPerSecond is { } ops) json.WriteNumber("min_ops_per_second", ops);
                    if (t.MaxLatencyMs is { } ms) json.WriteNumber("max_latency_ms", ms);
                    if (t.ScalabilityThreshold is { } e) json.WriteNumber("scalability_threshold", e);
                    json.WriteEndObject();
                }
                json.WriteEndObject();
            }

            WriteRegression(json, scenario.Regression);
            WriteAlerts(json, scenario);
            if (scenario.Monitor is { } monitor) WriteMonitor(json, monitor);
            if (scenario.Outputs.Otlp is { } otlp) WriteOtlp(json, otlp, secrets);

            if (scenario.RequiredServices.Count > 0)
            {
                json.WriteStartObject("environment_config");
                json.WriteStartArray("required_services");
                foreach (var s in scenario.RequiredServices)
                {
                    json.WriteStartObject();
                    json.WriteString("name", s.Name);
                    json.WriteString("host", s.Host);
                    json.WriteNumber("port", s.Port);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Feeders with their rows inline (so no file is needed where it is read back), then setup and flows as written.</summary>
    private static void WriteJourney(Utf8JsonWriter json, Journey journey, bool secrets)
    {
        if (journey.Databases.Count > 0)
        {
            json.WriteStartObject("databases");
            foreach (var db in journey.Databases)
            {
                json.WriteStartObject(db.Name);
                json.WriteString("provider", db.ProviderKey);
                if (db.Provider == DatabaseProvider.Memory)
                {
                    json.WriteNumber("max_memory", db.MaxMemory);
                    json.WriteString("timeout", Duration(db.Timeout));
                    json.WriteEndObject();
                    continue;
                }
                json.WriteString("connection", secrets ? db.Connection : db.MaskedConnection);
                if (db.PoolSize > 0) json.WriteNumber("pool_size", db.PoolSize);
                json.WriteBoolean("prepare", db.Prepare);
                json.WriteString("timeout", Duration(db.Timeout));
                json.WriteString("pool_timeout", Duration(db.PoolTimeout));
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        if (journey.Modules.Count > 0)
        {
            json.WriteStartObject("modules");
            foreach (var m in journey.Modules)
            {
                json.WriteStartObject(m.Name);
                if (m.Class is not null) json.WriteString("class", m.Class);
                if (m.Sets.Count > 0)
                {
                    Strings(json, "sets", m.Sets);
                }
                SourceFiles(json, "files", m.Sources);
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        if (journey.Grpc is { } grpc)
        {
            // Every .proto by its import name; where it is read back protoc compiles them again (never C# from the scenario).
            json.WriteStartObject("grpc");
            SourceFiles(json, "files", grpc.Protos);
            json.WriteEndObject();
        }
        if (journey.Feeders.Count > 0)
        {
            json.WriteStartObject("feeders");
            foreach (var f in journey.Feeders)
            {
                json.WriteStartObject(f.Name);
                json.WriteString("mode", f.Mode.ToString().ToLowerInvariant());
                json.WriteString("per", f.Take == FeederTake.PerUser ? "user" : "iteration");
                json.WriteString("on_exhausted", f.OnExhausted == FeederExhausted.Fail ? "fail" : "stop-user");
                Strings(json, "fields", f.Fields);
                json.WriteStartArray("rows");
                foreach (var row in f.Rows)
                {
                    json.WriteStartArray();
                    foreach (var value in row) json.WriteStringValue(value);
                    json.WriteEndArray();
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        using var source = JsonDocument.Parse(journey.Source);
        foreach (var property in source.RootElement.EnumerateObject()) property.WriteTo(json);
    }

    private static void SourceFiles(Utf8JsonWriter json, string name, IReadOnlyList<ModuleSource> files)
    {
        json.WriteStartArray(name);
        foreach (var file in files)
        {
            json.WriteStartObject();
            json.WriteString("path", file.File);
            json.WriteString("text", file.Text);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static void WriteRegression(Utf8JsonWriter json, RegressionThresholds r)
    {
        json.WriteStartObject("regression_thresholds");
        Limit(json, "throughput_degradation_percent", r.ThroughputDegradation);
        Limit(json, "latency_increase_percent", r.LatencyIncrease);
        Limit(json, "error_rate_increase_percent", r.ErrorRateIncrease);
        Limit(json, "memory_increase_percent", r.MemoryIncrease);
        Limit(json, "cpu_increase_percent", r.CpuIncrease);
        Strings(json, "latency_percentiles", r.LatencyPercentiles);
        json.WriteNumber("significance", r.Significance);
        json.WriteBoolean("abort_on_fail", r.AbortOnFail);
        json.WriteEndObject();
    }

    private static void Limit(Utf8JsonWriter json, string name, RegressionLimit limit)
    {
        json.WriteStartObject(name);
        json.WriteNumber("warning", limit.Warning);
        json.WriteNumber("failure", limit.Failure);
        json.WriteEndObject();
    }

    /// <summary>SLA thresholds and alert rules; limits keep their unit (latency in ms), so they read back exactly.</summary>
    private static void WriteAlerts(Utf8JsonWriter json, ScenarioDefinition scenario)
    {
        json.WriteStartArray("sla_thresholds");
        foreach (var sla in scenario.SlaThresholds)
        {
            json.WriteStartObject();
            json.WriteString("metric", sla.Metric);
            MetricValue(json, "value", sla.Metric, sla.Value);
            json.WriteString("comparison", sla.Comparison.Key());
            json.WriteString("severity", sla.Severity.Key());
            if (sla.Description is not null) json.WriteString("description", sla.Description);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("alert_rules");
        foreach (var rule in scenario.AlertRules)
        {
            json.WriteStartObject();
            json.WriteString("name", rule.Name);
            json.WriteString("metric", rule.Metric);
            MetricValue(json, "threshold", rule.Metric, rule.Threshold);
            json.WriteString("comparison", rule.Comparison.Key());
            json.WriteString("duration", Duration(rule.Duration));
            json.WriteString("severity", rule.Severity.Key());
            json.WriteString("action", rule.Action.Key());
            if (rule.Url is not null) json.WriteString("url", rule.Url.OriginalString);
            if (rule.Endpoint is not null) json.WriteString("endpoint", rule.Endpoint);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static void MetricValue(Utf8JsonWriter json, string name, string metric, double value)
    {
        if (MonitoredMetrics.Get(metric).IsLatency) json.WriteString(name, value.ToString("R", CultureInfo.InvariantCulture) + "ms");
        else json.WriteNumber(name, value);
    }

    private static void WriteOtlp(Utf8JsonWriter json, OtlpOutput o, bool secrets)
    {
        json.WriteStartObject("outputs");
        json.WriteStartObject("otlp");
        json.WriteString("endpoint", o.Endpoint.OriginalString);
        json.WriteString("protocol", o.Protocol == OtlpProtocol.Grpc ? "grpc" : "http/protobuf");
        json.WriteString("interval", Duration(o.Interval));
        json.WriteString("temporality", o.Delta ? "delta" : "cumulative");
        if (o.Headers.Count > 0)
        {
            json.WriteStartObject("headers");
            foreach (var (key, value) in o.Headers) json.WriteString(key, secrets ? value : ScenarioBuilder.MaskedKey);
            json.WriteEndObject();
        }
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteMonitor(Utf8JsonWriter json, MonitorDefinition m)
    {
        json.WriteStartObject("monitor");
        if (m.Pid is { } pid) json.WriteNumber("pid", pid);
        if (m.ProcessName is not null) json.WriteString("process_name", m.ProcessName);
        if (m.Prometheus is not null) json.WriteString("prometheus", m.Prometheus.OriginalString);
        if (m.Series.Count > 0)
        {
            Strings(json, "series", m.Series);
        }
        json.WriteNumber("memory_growth_threshold_mb", m.MemoryGrowthThresholdMb);
        json.WriteString("leak_window", Duration(m.LeakWindow));
        json.WriteEndObject();
    }

    private static void WriteEndpoint(Utf8JsonWriter json, EndpointDefinition e)
    {
        json.WriteStartObject();
        json.WriteString("name", e.Name);
        json.WriteString("method", e.Method);
        json.WriteString("path", e.Path);
        json.WriteNumber("weight", e.Weight);
        if (e.Headers.Count > 0)
        {
            json.WriteStartObject("headers");
            foreach (var (key, value) in e.Headers) json.WriteString(key, value);
            json.WriteEndObject();
        }
        if (e.Body is not null) json.WriteString("body", e.Body);
        if (e.ExpectedStatus.Count > 0)
        {
            json.WriteStartArray("expect_status");
            foreach (var status in e.ExpectedStatus) json.WriteNumberValue(status);
            json.WriteEndArray();
        }
        json.WriteEndObject();
    }

    private static void Strings(Utf8JsonWriter json, string name, IEnumerable<string> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values) json.WriteStringValue(value);
        json.WriteEndArray();
    }

    /// <summary>The exact duration: whole seconds as "Ns", whole milliseconds as "Nms", else nanoseconds.</summary>
    public static string Duration(TimeSpan value)
    {
        var ticks = value.Ticks;
        if (ticks % TimeSpan.TicksPerSecond == 0) return (ticks / TimeSpan.TicksPerSecond).ToString(CultureInfo.InvariantCulture) + "s";
        if (ticks % TimeSpan.TicksPerMillisecond == 0) return (ticks / TimeSpan.TicksPerMillisecond).ToString(CultureInfo.InvariantCulture) + "ms";
        return (ticks * 100).ToString(CultureInfo.InvariantCulture) + "ns";
    }
}
