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
        var command = new Command("target", "Run the demo target: the guide's endpoints with injected latency and errors, counts at GET /__stats.")
        {
            port, latency, jitter, errorRate,
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

            DemoTarget target;
            try
            {
                target = await DemoTarget.StartAsync(new DemoTargetOptions(p, l, j, rate));
            }
            catch (IOException e)
            {
                throw new UsageException($"cannot listen on 127.0.0.1:{p}: {e.Message}");
            }
            await using (target)
            {
                Console.Out.WriteLine($"Demo target listening on {target.BaseUrl} (latency {l.TotalMilliseconds} ms ± {j.TotalMilliseconds} ms, error rate {rate:P1}). Ctrl+C stops it.");
                using var interrupt = new InterruptSignal();
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
