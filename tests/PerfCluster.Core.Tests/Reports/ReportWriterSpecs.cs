using System.Text.Json;
using System.Xml.Linq;
using PerfCluster.Core.Reports;
using Xunit;
using static PerfCluster.Core.Tests.Reports.ReportFixtures;

namespace PerfCluster.Core.Tests.Reports;

public sealed class ReportWriterSpecs : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "perfcluster-report-specs-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void Should_create_the_directory_and_write_all_three_reports()
    {
        var directory = Path.Combine(_root, "runs", "benchmark_1764168000");
        var report = Run();

        var paths = ReportWriter.WriteAll(report, directory);

        Assert.Equal(
            [Path.Combine(directory, "report.json"), Path.Combine(directory, "summary.txt"), Path.Combine(directory, "junit.xml")],
            paths);
        Assert.Equal(ReportDocuments.Render(report), File.ReadAllText(paths[0]));
        Assert.Equal(SummaryReportWriter.Render(report), File.ReadAllText(paths[1]));
        Assert.Equal(JUnitReportWriter.Render(report), File.ReadAllText(paths[2]));
        using var json = JsonDocument.Parse(File.ReadAllText(paths[0]));
        Assert.Equal("benchmark_1764168000", json.RootElement.GetProperty("benchmark_run_id").GetString());
        Assert.Equal("testsuites", XDocument.Load(paths[2]).Root!.Name.LocalName);
    }

    [Fact]
    public void Should_write_utf8_without_a_byte_order_mark()
    {
        var paths = ReportWriter.WriteAll(Run(), _root);

        Assert.All(paths, p => Assert.NotEqual(0xEF, File.ReadAllBytes(p)[0]));
        Assert.Contains("✓", File.ReadAllText(paths[1]));
    }

    [Fact]
    public void Should_let_each_writer_write_its_own_file()
    {
        var report = Run();

        ReportDocuments.Write(report, _root);
        SummaryReportWriter.Write(report, _root);
        JUnitReportWriter.Write(report, _root);

        Assert.Equal(["junit.xml", "report.json", "summary.txt"],
            Directory.GetFiles(_root).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Should_replace_reports_of_an_earlier_write()
    {
        ReportWriter.WriteAll(Run(ScenarioReport(thresholds: [new("p95 < 1ms")])), _root);
        var paths = ReportWriter.WriteAll(Run(), _root);

        Assert.StartsWith("PerfCluster run benchmark_1764168000: PASSED", File.ReadAllText(paths[1]));
    }
}
