using System.Text;

namespace PerfCluster.Core.Reports;

/// <summary>Writes every report of a run into one directory.</summary>
public static class ReportWriter
{
    /// <summary>
    /// Creates <paramref name="directory"/> if needed and writes report.json, summary.txt and junit.xml into it,
    /// replacing earlier files of those names. Returns the paths written, in that order.
    /// </summary>
    public static IReadOnlyList<string> WriteAll(RunReport report, string directory)
    {
        ArgumentNullException.ThrowIfNull(report);
        return
        [
            WriteFile(directory, ReportDocuments.FileName, ReportDocuments.Render(report)),
            WriteFile(directory, SummaryReportWriter.FileName, SummaryReportWriter.Render(report)),
            WriteFile(directory, JUnitReportWriter.FileName, JUnitReportWriter.Render(report)),
        ];
    }

    /// <summary>Writes UTF-8 (no byte-order mark) to directory/fileName, creating the directory; returns the path.</summary>
    internal static string WriteFile(string directory, string fileName, string content)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, fileName);
        File.WriteAllText(path, content, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        return path;
    }
}
