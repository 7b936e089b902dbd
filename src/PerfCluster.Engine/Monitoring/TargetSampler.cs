using System.Diagnostics;
using System.Globalization;
using PerfCluster.Core.Monitoring;
using PerfCluster.Core.Scenarios;

namespace PerfCluster.Engine.Monitoring;

/// <summary>
/// Samples the system under test as the scenario's <c>monitor</c> section names it: a local process
/// (by PID or by name, from /proc: CPU, resident memory, threads) and/or a Prometheus text endpoint
/// (<c>process_resident_memory_bytes</c>, the rate of <c>process_cpu_seconds_total</c>, and the series
/// the user lists). CPU is a percentage of all of this machine's cores. A process that is gone or an
/// endpoint that does not answer gives a sample without those figures, never an exception.
/// </summary>
public sealed class TargetSampler(MonitorDefinition monitor, HttpClient http)
{
    private const string ResidentMemory = "process_resident_memory_bytes";
    private const string CpuSeconds = "process_cpu_seconds_total";

    private (ProcStat Stat, long At)? _lastStat;
    private (double CpuSeconds, long At)? _lastScrape;
    private int? _pid = monitor.Pid;

    public async Task<TargetSample> SampleAsync(long second, CancellationToken cancel)
    {
        double? cpu = null, memory = null;
        int? threads = null;
        var series = new Dictionary<string, double>();
        if (monitor.Pid is not null || monitor.ProcessName is not null)
            (cpu, memory, threads) = SampleProcess();
        if (monitor.Prometheus is { } url)
        {
            var scraped = await ScrapeAsync(url, cancel).ConfigureAwait(false);
            if (scraped is not null)
            {
                var now = Stopwatch.GetTimestamp();
                if (memory is null && scraped.FirstOrDefault(s => s.Name == ResidentMemory) is { } rss) memory = rss.Value / (1024.0 * 1024.0);
                if (scraped.FirstOrDefault(s => s.Name == CpuSeconds) is { } cpuTotal)
                {
                    if (cpu is null && _lastScrape is { } last && now > last.At)
                        cpu = 100.0 * (cpuTotal.Value - last.CpuSeconds) / Stopwatch.GetElapsedTime(last.At, now).TotalSeconds / Environment.ProcessorCount;
                    _lastScrape = (cpuTotal.Value, now);
                }
                foreach (var s in PrometheusTextParser.Select(scraped, monitor.Series)) series[s.Series] = s.Value;
            }
        }
        return new TargetSample(second, cpu, memory, threads) { Series = series };
    }

    private (double? Cpu, double? MemoryMb, int? Threads) SampleProcess()
    {
        var pid = _pid ??= FindPid(monitor.ProcessName!);
        if (pid is not { } p) return (null, null, null);
        try
        {
            var stat = ProcStatParser.ParseStat(File.ReadAllText($"/proc/{p}/stat"));
            var status = ProcStatParser.ParseStatus(File.ReadAllText($"/proc/{p}/status"));
            var now = Stopwatch.GetTimestamp();
            double? cpu = null;
            if (_lastStat is { } last && last.Stat.StartTicks == stat.StartTicks)
                cpu = ProcStatParser.CpuPercent(last.Stat, stat, Stopwatch.GetElapsedTime(last.At, now), Environment.ProcessorCount);
            _lastStat = (stat, now);
            return (cpu, status.RssMb, status.Threads ?? stat.Threads);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            // The process ended (or was never ours to read); by name it may come back with a new PID.
            if (monitor.Pid is null) _pid = null;
            _lastStat = null;
            return (null, null, null);
        }
    }

    /// <summary>The lowest PID whose command name (/proc/PID/comm) is <paramref name="name"/>: the parent of a pre-forking server.</summary>
    public static int? FindPid(string name)
    {
        try
        {
            foreach (var dir in Directory.EnumerateDirectories("/proc").Select(Path.GetFileName)
                         .Where(d => d is not null && d.All(char.IsAsciiDigit)).Select(d => int.Parse(d!, CultureInfo.InvariantCulture)).Order())
            {
                try
                {
                    if (File.ReadAllText($"/proc/{dir}/comm").Trim() == name) return dir;
                }
                catch (IOException) { }
                catch (UnauthorizedAccessException) { }
            }
        }
        catch (IOException) { }
        return null;
    }

    private async Task<IReadOnlyList<PrometheusSample>?> ScrapeAsync(Uri url, CancellationToken cancel)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(TimeSpan.FromMilliseconds(900));
        try
        {
            var text = await http.GetStringAsync(url, timeout.Token).ConfigureAwait(false);
            return PrometheusTextParser.Parse(text);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or FormatException)
        {
            return null;
        }
    }
}
