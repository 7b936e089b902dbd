using System.Diagnostics;
using System.Text;

namespace PerfCluster.Cli;

/// <summary>
/// The worker processes of <c>perfcluster run --workers N</c>: this same executable started N times as
/// <c>perfcluster worker --seed</c> the embedded coordinator, stopped with SIGTERM (a graceful leave)
/// when the run is over.
/// </summary>
public sealed class LocalWorkers : IAsyncDisposable
{
    private readonly List<(Process Process, StringBuilder Output)> _workers = new();

    private LocalWorkers() { }

    public int Count => _workers.Count;

    /// <param name="allowModules">The plan has C# modules: the workers run them (<c>--allow-modules</c>).</param>
    public static LocalWorkers Start(int count, string seed, string? configFile, bool verbose, IReadOnlyList<string> allowedTargets, bool allowModules = false)
    {
        var workers = new LocalWorkers();
        for (var i = 0; i < count; i++)
        {
            var info = SelfStartInfo();
            foreach (var arg in new[] { "worker", "--seed", seed, "--host", "127.0.0.1" }) info.ArgumentList.Add(arg);
            if (configFile is not null)
            {
                info.ArgumentList.Add("--config");
                info.ArgumentList.Add(configFile);
            }
            foreach (var target in allowedTargets)
            {
                info.ArgumentList.Add("--allow-target");
                info.ArgumentList.Add(target);
            }
            if (allowModules) info.ArgumentList.Add("--allow-modules");
            if (verbose) info.ArgumentList.Add("--verbose");
            var process = Process.Start(info) ?? throw new UsageException("could not start a worker process");
            var output = new StringBuilder();
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                lock (output) output.AppendLine(e.Data);
                if (verbose) Console.Error.WriteLine($"[worker {process.Id}] {e.Data}");
            };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            workers._workers.Add((process, output));
        }
        return workers;
    }

    /// <summary>How to start this executable again: the apphost directly, or <c>dotnet perfcluster.dll</c>.</summary>
    private static ProcessStartInfo SelfStartInfo()
    {
        var path = Environment.ProcessPath ?? "dotnet";
        var info = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(path) == "dotnet")
        {
            info.FileName = path;
            info.ArgumentList.Add(typeof(LocalWorkers).Assembly.Location);
        }
        else
        {
            info.FileName = path;
        }
        return info;
    }

    private static void Terminate(int pid)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", pid.ToString()]) { UseShellExecute = false });
        kill?.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (process, _) in _workers.Where(w => !w.Process.HasExited))
            Terminate(process.Id);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        foreach (var (process, output) in _workers)
        {
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                lock (output) Serilog.Log.Warning("Worker {Pid} did not leave within 30 s and was killed. Its output:\n{Output}", process.Id, output.ToString());
            }
            process.Dispose();
        }
    }
}
