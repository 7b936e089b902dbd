using System.CommandLine;
using PerfCluster.Target;

namespace PerfCluster.Cli;

/// <summary><c>perfcluster target</c>: serve the demo system under test until interrupted.</summary>
public static class TargetCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port", "-p") { Description = "TCP port on 127.0.0.1 (0 picks a free one).", DefaultValueFactory = _ => 8000 };
        var latency = new Option<string>("--latency") { Description = "Injected latency per request, e.g. 5ms.", DefaultValueFactory = _ => "5ms" };
        var jitter = new Option<string>("--jitter") { Description = "Latency varies uniformly by ± this much.", DefaultValueFactory = _ => "2ms" };
        var errorRate = new Option<double>("--error-rate") { Description = "Share of requests answered with HTTP 500 (0..1).", DefaultValueFactory = _ => 0.0 };
        var freeze = new Option<string?>("--freeze") { Description = "Stop answering for this long at the end of every --freeze-every period (e.g. 500ms)." };
        var freezeEvery = new Option<string?>("--freeze-every") { Description = "Period of the freezes, e.g. 5s." };
        var leak = new Option<double>("--leak") { Description = "Leak this many MB per second (for trying the leak detector).", DefaultValueFactory = _ => 0 };
        var leakPerMinute = new Option<double?>("--leak-mb-per-min") { Description = "The same leak given in MB per minute (the guide's unit)." };
        var h2cPort = new Option<int?>("--h2c-port") { Description = "Also serve cleartext HTTP/2 (h2c, prior knowledge) on this port (0 picks a free one)." };
        var tlsPort = new Option<int?>("--tls-port") { Description = "Also serve https (HTTP/1.1 and HTTP/2 by ALPN, a self-signed certificate made at start) on this port." };
        var clientCerts = new Option<bool>("--require-client-certificate") { Description = "The https port refuses clients without a certificate (mutual TLS)." };
        var command = new Command("target", "Run the demo target: the guide's endpoints with injected latency and errors, counts at GET /__stats.")
        {
            port, latency, jitter, errorRate, freeze, freezeEvery, leak, leakPerMinute, h2cPort, tlsPort, clientCerts,
        };
        command.SetAction(async (parse, _) =>
        {
            var p = parse.GetValue(port);
            if (p is < 0 or > 65535) throw new UsageException($"--port must be between 0 and 65535 (got {p})");
            var rate = parse.GetValue(errorRate);
            if (rate is < 0 or > 1 || double.IsNaN(rate)) throw new UsageException($"--error-rate must be between 0 and 1 (got {rate})");
            var l = PerfClusterCli.ParseDuration(parse.GetValue(latency)!, "--latency");
            var j = PerfClusterCli.ParseDuration(parse.GetValue(jitter)!, "--jitter");
            if (j > l) throw new UsageException($"--jitter ({parse.GetValue(jitter)}) must not exceed --latency ({parse.GetValue(latency)})");

            var f = parse.GetValue(freeze) is { } ft ? PerfClusterCli.ParseDuration(ft, "--freeze") : TimeSpan.Zero;
            var fe = parse.GetValue(freezeEvery) is { } fet ? PerfClusterCli.ParseDuration(fet, "--freeze-every") : TimeSpan.Zero;
            if ((f > TimeSpan.Zero) != (fe > TimeSpan.Zero)) throw new UsageException("--freeze and --freeze-every go together");
            if (f > TimeSpan.Zero && f >= fe) throw new UsageException($"--freeze ({parse.GetValue(freeze)}) must be shorter than --freeze-every ({parse.GetValue(freezeEvery)})");

            var leakRate = parse.GetValue(leak);
            if (parse.GetValue(leakPerMinute) is { } perMinute)
            {
                if (leakRate > 0) throw new UsageException("give either --leak (MB/s) or --leak-mb-per-min, not both");
                if (perMinute is < 0 or > 1024 * 60 || double.IsNaN(perMinute))
                    throw new UsageException($"--leak-mb-per-min must be between 0 and {1024 * 60} (got {perMinute})");
                leakRate = perMinute / 60;
            }
            if (leakRate is < 0 or > 1024 || double.IsNaN(leakRate)) throw new UsageException($"--leak must be between 0 and 1024 MB/s (got {leakRate})");
            foreach (var (option, value) in new[] { ("--h2c-port", parse.GetValue(h2cPort)), ("--tls-port", parse.GetValue(tlsPort)) })
                if (value is < 0 or > 65535) throw new UsageException($"{option} must be between 0 and 65535 (got {value})");
            if (parse.GetValue(clientCerts) && parse.GetValue(tlsPort) is null) throw new UsageException("--require-client-certificate needs --tls-port");
            DemoTarget target;
            try
            {
                target = await DemoTarget.StartAsync(new DemoTargetOptions(p, l, j, rate)
                {
                    Freeze = f, FreezeEvery = fe, LeakMegabytesPerSecond = leakRate,
                    H2cPort = parse.GetValue(h2cPort), TlsPort = parse.GetValue(tlsPort), RequireClientCertificate = parse.GetValue(clientCerts),
                });
            }
            catch (IOException e)
            {
                throw new UsageException($"cannot listen on 127.0.0.1:{p}: {e.Message}");
            }
            await using (target)
            {
                Console.Out.WriteLine($"Demo target listening on {target.BaseUrl}, pid {Environment.ProcessId} (latency {l.TotalMilliseconds} ms ± {j.TotalMilliseconds} ms, error rate {rate:P1}" +
                    (f > TimeSpan.Zero ? $", frozen {f.TotalMilliseconds} ms of every {fe.TotalMilliseconds} ms" : "") + "). Ctrl+C stops it.");
                if (target.H2cUrl is { } h2c) Console.Out.WriteLine($"h2c (HTTP/2, prior knowledge) on {h2c}");
                if (target.TlsUrl is { } tls)
                    Console.Out.WriteLine($"https (HTTP/1.1 and HTTP/2) on {tls}, self-signed {target.Certificate!.Subject}, SHA-256 {target.Certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256)}" +
                        (parse.GetValue(clientCerts) ? ", client certificate required" : ""));
                using var interrupt = new InterruptSignal(quiet: true);
                try
                {
                    await Task.Delay(Timeout.Infinite, interrupt.Token);
                }
                catch (OperationCanceledException)
                {
                    // stopped by signal: shut down cleanly
                }
                Console.Out.WriteLine($"Served {target.TotalServed} requests.");
            }
            return ExitCodes.Passed;
        });
        return command;
    }
}
