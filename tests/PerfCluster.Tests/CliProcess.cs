using System.Diagnostics;
using System.Text;

namespace PerfCluster.Tests;

/// <summary>The real perfcluster executable, started as a child process the way a user starts it.</summary>
public sealed class CliProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly object _gate = new();

    /// <summary>The data directory this process was given because the caller named none; removed on dispose.</summary>
    private readonly string? _ownDataDir;

    private CliProcess(Process process, string? ownDataDir)
    {
        _process = process;
        _ownDataDir = ownDataDir;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_gate) _stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_gate) _stderr.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public static string Executable => Path.Combine(AppContext.BaseDirectory, "perfcluster.dll");

    public string Stdout { get { lock (_gate) return _stdout.ToString(); } }
    public string Stderr { get { lock (_gate) return _stderr.ToString(); } }
    public int Pid => _process.Id;

    public static CliProcess Start(params string[] args) => Start(null, args);

    /// <summary>
    /// Starts perfcluster with <paramref name="environment"/> over the inherited variables (a null value removes one).
    /// Baselines and run history never go to the user's data directory: unless the caller sets PERFCLUSTER_DATA_DIR,
    /// the process gets an empty directory of its own, and the store settings of the shell running the tests
    /// (PERFCLUSTER_DB_PROVIDER, PERFCLUSTER_DB_CONNECTION) are not inherited.
    /// </summary>
    public static CliProcess Start(IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        info.ArgumentList.Add(Executable);
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment.Remove(DataDirVariable);
        info.Environment.Remove("PERFCLUSTER_DB_PROVIDER");
        info.Environment.Remove("PERFCLUSTER_DB_CONNECTION");
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) info.Environment.Remove(key);
            else info.Environment[key] = value;
        }
        string? ownDataDir = null;
        if (!info.Environment.ContainsKey(DataDirVariable))
        {
            ownDataDir = Path.Combine(Path.GetTempPath(), "perfcluster-tests", "data-" + Guid.NewGuid().ToString("N"));
            info.Environment[DataDirVariable] = ownDataDir;
        }
        return new CliProcess(Process.Start(info) ?? throw new InvalidOperationException("could not start perfcluster"), ownDataDir);
    }

    public const string DataDirVariable = "PERFCLUSTER_DATA_DIR";

    /// <summary>Runs to the end (bounded by <paramref name="timeout"/>) and returns the exit code.</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(TimeSpan timeout, params string[] args) =>
        RunAsync(timeout, null, args);

    /// <summary>Runs to the end with <paramref name="environment"/> (see <see cref="Start(IReadOnlyDictionary{string, string?}?, string[])"/>).</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(
        TimeSpan timeout, IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        using var cli = Start(environment, args);
        var code = await cli.WaitAsync(timeout);
        return (code, cli.Stdout, cli.Stderr);
    }

    public async Task<int> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"perfcluster did not exit within {timeout}.\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
        }
        _process.WaitForExit();   // drain redirected output
        return _process.ExitCode;
    }

    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (!Stdout.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited || DateTime.UtcNow > until)
                throw new TimeoutException($"'{text}' did not appear.\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
            await Task.Delay(50);
        }
    }

    public void Signal(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, _process.Id.ToString()]);
        kill!.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
        if (_ownDataDir is not null && Directory.Exists(_ownDataDir))
        {
            try { Directory.Delete(_ownDataDir, recursive: true); }
            catch (IOException) { /* best effort: a killed child may still hold the database for a moment */ }
            catch (UnauthorizedAccessException) { }
        }
    }
}
