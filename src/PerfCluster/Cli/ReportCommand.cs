using System.CommandLine;
using PerfCluster.Core.Reports;
using PerfCluster.Reports;

namespace PerfCluster.Cli;

/// <summary>
/// <c>perfcluster report &lt;report.json&gt; [--html out.html]</c>: renders report.html again from a stored report.json
/// (by default beside it), e.g. for a report copied from CI or written by an older version.
/// </summary>
public static class ReportCommand
{
    public static Command Create()
    {
        var json = new Argument<FileInfo?>("report") { Description = "A report.json written by 'perfcluster run' (or baseline/test).", Arity = ArgumentArity.ZeroOrOne };
        var html = new Option<FileInfo?>("--html") { Description = "Where to write the HTML report (default: report.html beside the JSON)." };
        var schema = new Option<bool>("--schema") { Description = "Print the JSON Schema of report.json (docs/report.schema.json) instead." };
        var command = new Command("report", "Render report.html from a stored report.json.") { json, html, schema };
        command.SetAction(parse =>
        {
            if (parse.GetValue(schema))
            {
                Console.Out.WriteLine(ReportDocuments.SchemaText());
                return ExitCodes.Passed;
            }
            var input = parse.GetValue(json) ?? throw new UsageException("name the report.json to render, or give --schema");
            var output = parse.GetValue(html)?.FullName ?? Path.Combine(input.DirectoryName ?? ".", HtmlReportWriter.FileName);
            var path = Render(input.FullName, output);
            Console.Out.WriteLine($"HTML report written to {path}");
            return ExitCodes.Passed;
        });
        return command;
    }

    /// <summary>Reads <paramref name="jsonPath"/> and writes its HTML to <paramref name="htmlPath"/>; returns the full path written.</summary>
    /// <exception cref="UsageException">The file is missing, unreadable, or not a PerfCluster report.json.</exception>
    public static string Render(string jsonPath, string htmlPath)
    {
        string text;
        try
        {
            text = File.ReadAllText(jsonPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read {jsonPath}: {e.Message}");
        }
        ReportDocument view;
        try
        {
            view = ReportDocuments.Parse(text, jsonPath);
        }
        catch (InvalidDataException e)
        {
            throw new UsageException(e.Message);
        }
        try
        {
            return Path.GetFullPath(HtmlReportWriter.WriteFile(HtmlReportWriter.Render(view), htmlPath));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot write {htmlPath}: {e.Message}");
        }
    }
}
