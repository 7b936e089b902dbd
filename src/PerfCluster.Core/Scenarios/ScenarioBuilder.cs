using System.Globalization;
using PerfCluster.Core.Alerts;
using PerfCluster.Core.Monitoring;
using PerfCluster.Core.Hocon;
using PerfCluster.Core.Input;

namespace PerfCluster.Core.Scenarios;

/// <summary>Turns one scenario's keys (plus inherited plan-level keys and command-line overrides) into a checked definition.</summary>
internal sealed class ScenarioBuilder(Section? plan, ScenarioOverrides? overrides)
{
    public ScenarioDefinition Build(ScenarioSeed seed)
    {
        var scenario = new Scope(seed, plan);
        var (load, open, warmUp) = new WorkloadReader(scenario, overrides).Read();
        var journey = FlowReader.Read(scenario, load, open);
        var (distribution, weighted) = journey is { } j
            ? (SelectionMode.Weighted, j.Steps)
            : EndpointReader.ApplyPatterns(scenario, EndpointReader.Read(scenario));
        return new ScenarioDefinition
        {
            Name = seed.Name,
            Description = seed.Own?.Value("description")?.AsString("description") ?? seed.Preset?.Description,
            Target = Target(scenario, journey is null || journey.Value.Journey.Requests.Count > 0),
            Load = load,
            Open = open,
            WarmUp = warmUp,
            Endpoints = weighted,
            Distribution = distribution,
            Journey = journey?.Journey,
            ModuleTargets = ModuleTargetReader.Read(scenario, journey?.Journey, load),
            Thresholds = ThresholdReader.Read(scenario, weighted, journey?.Journey),
            Regression = RegressionThresholdReader.Read(scenario),
            RequiredServices = RequiredServices(scenario),
            Http = Http(scenario),
            SlaThresholds = SlaThresholdReader.Read(scenario),
            AlertRules = AlertRuleReader.Read(scenario, weighted),
            Monitor = MonitorReader.Read(scenario),
            Outputs = OutputsReader.Read(scenario),
        };
    }

    /// <summary>Where HTTP requests go; a journey of SQL and Redis steps alone needs none (it gets http://127.0.0.1/, never sent to).</summary>
    private Uri Target(Scope scenario, bool required)
    {
        if (overrides?.Target is { } overridden)
        {
            if (!IsHttpUrl(overridden))
                throw new ScenarioException($"--target must be an absolute http(s) URL but is '{overridden.OriginalString}'");
            return overridden;
        }

        var field = scenario.Own?.Field("target")
            ?? Environment(scenario.Own)?.Field("api-base-url")
            ?? scenario.Plan?.Field("target")
            ?? Environment(scenario.Plan)?.Field("api-base-url");
        if (field is null && !required) return new Uri("http://127.0.0.1/");
        if (field is null) throw new ScenarioException("no target: set 'target' in the scenario or pass --target", scenario.Seed.Position);
        var text = field.Value.AsString(field.Key).Trim();
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || !IsHttpUrl(uri))
            throw new ScenarioException(
                $"'{field.Key}' must be an absolute http(s) URL such as \"http://127.0.0.1:8000\" but is '{text}'",
                field.Value.Position);
        return uri;
    }

    private static bool IsHttpUrl(Uri uri) =>
        uri.IsAbsoluteUri && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && uri.Host.Length > 0;

    private static Section? Environment(Section? layer) =>
        layer?.Field("environment-config") is { } field ? ReadEnvironment(field) : null;

    private static Section ReadEnvironment(HoconField field) =>
        field.Value is HoconObject obj
            ? ScenarioKeys.Read(obj, ScenarioKeys.EnvironmentConfig)
            : throw new ScenarioException($"expected an object for '{field.Key}' but found {field.Value.Describe()}", field.Value.Position);

    private static IReadOnlyList<RequiredService> RequiredServices(Scope scenario)
    {
        if (scenario.Get("environment-config") is not { } envField) return [];
        var env = ReadEnvironment(envField);
        if (env.Field("required-services") is not { } field) return [];
        if (field.Value is not HoconArray array)
            throw new ScenarioException($"expected an array for '{field.Key}' but found {field.Value.Describe()}", field.Value.Position);

        var services = new List<RequiredService>();
        foreach (var item in array.Items)
        {
            if (item is not HoconObject obj)
                throw new ScenarioException(
                    $"expected an object with 'host' and 'port' in '{field.Key}' but found {item.Describe()}", item.Position);
            var service = ScenarioKeys.Read(obj, ScenarioKeys.RequiredService);
            var host = service.Field("host") is { } h ? h.Value.AsString(h.Key).Trim() : "";
            if (host.Length == 0)
                throw new ScenarioException("a required service needs a non-empty 'host'", service.Value("host")?.Position ?? obj.Position);
            var portField = service.Field("port")
                ?? throw new ScenarioException("a required service needs a 'port'", obj.Position);
            var port = portField.Value.AsInt(portField.Key);
            if (port is < 1 or > 65535)
                throw new ScenarioException($"'{portField.Key}' must be between 1 and 65535 but is {port}", portField.Value.Position);
            var name = service.Field("name") is { } n ? n.Value.AsString(n.Key) : $"{host}:{port}";
            services.Add(new RequiredService(name, host, port));
        }
        return services;
    }

    private static HttpSettings Http(Scope scenario)
    {
        if (scenario.Get("http") is not { } field) return new HttpSettings();
        if (field.Value is not HoconObject obj)
            throw new ScenarioException($"expected an object for '{field.Key}' but found {field.Value.Describe()}", field.Value.Position);
        var http = ScenarioKeys.Read(obj, ScenarioKeys.Http);
        var settings = new HttpSettings();
        if (http.Field("timeout") is { } t)
        {
            var timeout = t.Value.AsDuration(t.Key);
            if (timeout <= TimeSpan.Zero)
                throw new ScenarioException($"'{t.Key}' must be greater than 0 but is {DurationText.Format(timeout)}", t.Value.Position);
            settings = settings with { Timeout = timeout };
        }
        if (http.Field("max-connections") is { } c)
        {
            var max = c.Value.AsInt(c.Key);
            if (max < 0)
                throw new ScenarioException($"'{c.Key}' must be 0 (one per user) or more but is {max}", c.Value.Position);
            settings = settings with { MaxConnections = max };
        }
        if (http.Field("max-response-size") is { } m)
        {
            var text = m.Value.AsString(m.Key);
            if (SizeText.TryParse(text) is not { } size)
                throw new ScenarioException($"'{m.Key}' must be a size such as 64MB, or 0 for no limit, but is '{text}'", m.Value.Position);
            settings = settings with { MaxResponseSize = size };
        }
        if (http.Field("engine") is { } e)
        {
            if (!HttpSettings.TryParseEngine(e.Value.AsString(), out var engine))
                throw new ScenarioException(
                    $"'{e.Key}' must be auto, fast or sockets-http-handler but is '{e.Value.AsString()}'", e.Value.Position);
            settings = settings with { Engine = engine };
        }
        if (http.Field("version") is { } v)
        {
            if (!HttpSettings.TryParseVersion(v.Value.AsString(v.Key), out var version))
                throw new ScenarioException($"'{v.Key}' must be 1.1 or 2 but is '{v.Value.AsString()}'", v.Value.Position);
            settings = settings with { Version = version };
        }
        if (http.Field("streams") is { } st)
        {
            var streams = st.Value.AsInt(st.Key);
            if (streams is < 1 or > 10_000)
                throw new ScenarioException($"'{st.Key}' (HTTP/2 streams per connection) must be between 1 and 10000 but is {streams}", st.Value.Position);
            settings = settings with { Streams = streams };
        }
        if (http.Field("tls") is { } tls) settings = settings with { Tls = Tls(tls) };
        return settings;
    }

    private static TlsSettings Tls(HoconField field)
    {
        if (field.Value is not HoconObject obj)
            throw new ScenarioException($"expected an object for '{field.Key}' (e.g. tls {{ accept-self-signed = [\"127.0.0.1\"] }}) but found {field.Value.Describe()}", field.Value.Position);
        var tls = ScenarioKeys.Read(obj, ScenarioKeys.Tls);
        var settings = new TlsSettings();
        if (tls.Field("accept-self-signed") is { } a)
        {
            var hosts = (a.Value is HoconArray list ? list.Items : [a.Value]).Select(h => (h.AsString(a.Key).Trim(), h.Position)).ToList();
            foreach (var (host, position) in hosts)
                if (host.Length == 0 || host == "*" || Uri.CheckHostName(host) == UriHostNameType.Unknown)
                    throw new ScenarioException($"'{a.Key}' names hosts one by one (e.g. [\"127.0.0.1\", \"localhost\"]); '{host}' is not a host name", position);
            settings = settings with { AcceptSelfSigned = hosts.Select(h => h.Item1).ToList() };
        }
        if (tls.Field("server-name") is { } sni)
        {
            var name = sni.Value.AsString(sni.Key).Trim();
            if (Uri.CheckHostName(name) is not (UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6))
                throw new ScenarioException($"'{sni.Key}' must be a host name but is '{name}'", sni.Value.Position);
            settings = settings with { ServerName = name };
        }
        var certificate = PemOf(tls, "client-certificate", "a client certificate");
        var key = PemOf(tls, "client-key", "a client key");
        if (certificate is null != key is null)
            throw new ScenarioException("mutual TLS needs both 'client-certificate' and 'client-key' (PEM files)", obj.Position);
        if (certificate is not null)
        {
            if (key!.Value.Text == MaskedKey)
                throw new ScenarioException("this written scenario does not carry its client key (it is masked outside the cluster's own messages); set 'client-key' to the key file", key.Value.Position);
            try
            {
                using var loaded = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(certificate.Value.Text, key.Value.Text);
            }
            catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or ArgumentException)
            {
                throw new ScenarioException($"the client certificate and key are not a PEM certificate with its private key: {e.Message}", certificate.Value.Position);
            }
            settings = settings with { ClientCertificatePem = certificate.Value.Text, ClientKeyPem = key.Value.Text };
        }
        return settings;
    }

    /// <summary>What a written scenario carries in place of a client key outside the cluster's messages.</summary>
    public const string MaskedKey = "(masked)";

    /// <summary>A PEM from its file (<c>client-certificate = "client.crt"</c>, relative to the scenario) or, in the written form, inline (<c>client-certificate-pem</c>).</summary>
    private static (string Text, SourcePosition Position)? PemOf(Section tls, string key, string what)
    {
        if (tls.Field(key + "-pem") is { } inline) return (inline.Value.AsString(inline.Key), inline.Value.Position);
        if (tls.Field(key) is not { } file) return null;
        return (ScenarioFiles.Read(file.Value, file.Key, what).Text, file.Value.Position);
    }
}

/// <summary>One scenario's own keys, falling back to the plan's for the keys a plan may set.</summary>
internal sealed class Scope(ScenarioSeed seed, Section? plan)
{
    public ScenarioSeed Seed { get; } = seed;

    public Section? Own => Seed.Own;

    public Section? Plan { get; } = plan;

    public HoconField? Get(string key) =>
        Own?.Field(key) ?? (ScenarioKeys.Plan.Keys.Contains(key) ? Plan?.Field(key) : null);

    public ScenarioException Missing(string key) =>
        new($"missing '{key}' in scenario '{Seed.Name}'", Seed.Position);
}

internal static class DurationText
{
    /// <summary>"2s", "500ms", "1.5s": the shortest exact form.</summary>
    public static string Format(TimeSpan value)
    {
        if (value.Ticks % TimeSpan.TicksPerSecond == 0)
            return (value.Ticks / TimeSpan.TicksPerSecond).ToString(CultureInfo.InvariantCulture) + "s";
        if (value.Ticks % TimeSpan.TicksPerMillisecond == 0)
            return (value.Ticks / TimeSpan.TicksPerMillisecond).ToString(CultureInfo.InvariantCulture) + "ms";
        return value.TotalSeconds.ToString("0.#######", CultureInfo.InvariantCulture) + "s";
    }
}
