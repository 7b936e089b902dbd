using System.Globalization;
using System.Text;
using System.Text.Json;
using PerfCluster.Core.Scenarios;

namespace PerfCluster.Api;

/// <summary>
/// Writes one <see cref="ScenarioDefinition"/> as a scenario file in JSON that <see cref="ScenarioLoader"/>
/// reads back into the same definition: how a client sends a scenario it already loaded (with its
/// command-line overrides applied) to a remote coordinator. Every value is explicit, so nothing depends on
/// the loader's defaults; durations are written exactly (s, ms or ns).
/// </summary>
public static class ScenarioJsonWriter
{
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
        json.WriteNumber("concurrent_users", load.Users);
        if (load.Stages.Count > 0) WriteStages(json, load.Stages);
        else
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

    public static string Write(ScenarioDefinition scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
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
            json.WriteEndObject();

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

            json.WriteStartArray("thresholds");
            foreach (var t in scenario.Thresholds)
            {
                json.WriteStartObject();
                json.WriteString("threshold", t.Expression);
                if (t.Endpoint is not null) json.WriteString("endpoint", t.Endpoint);
                json.WriteEndObject();
            }
            json.WriteEndArray();

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

    /// <summary>The exact duration: whole seconds as "Ns", whole milliseconds as "Nms", else nanoseconds.</summary>
    public static string Duration(TimeSpan value)
    {
        var ticks = value.Ticks;
        if (ticks % TimeSpan.TicksPerSecond == 0) return (ticks / TimeSpan.TicksPerSecond).ToString(CultureInfo.InvariantCulture) + "s";
        if (ticks % TimeSpan.TicksPerMillisecond == 0) return (ticks / TimeSpan.TicksPerMillisecond).ToString(CultureInfo.InvariantCulture) + "ms";
        return (ticks * 100).ToString(CultureInfo.InvariantCulture) + "ns";
    }
}
