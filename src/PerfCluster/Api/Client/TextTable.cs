using Spectre.Console;

namespace PerfCluster.Api.Client;

/// <summary>A table on stdout: Spectre.Console's on a terminal, plain aligned columns otherwise (pipes, CI logs).</summary>
public static class TextTable
{
    public static bool Interactive => AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected;

    public static void Write(IReadOnlyList<string> headers, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        if (Interactive)
        {
            var table = new Table().Border(TableBorder.Rounded);
            foreach (var h in headers) table.AddColumn(Markup.Escape(h));
            foreach (var row in rows) table.AddRow(row.Select(Markup.Escape).ToArray());
            AnsiConsole.Write(table);
            return;
        }
        Console.Out.Write(Plain(headers, rows));
    }

    /// <summary>Upper-case headers, then the rows; columns two spaces apart, no trailing blanks.</summary>
    public static string Plain(IReadOnlyList<string> headers, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        var all = rows.Prepend(headers.Select(h => h.ToUpperInvariant()).ToList()).ToList();
        var widths = Enumerable.Range(0, headers.Count).Select(i => all.Max(r => i < r.Count ? r[i].Length : 0)).ToList();
        var lines = all.Select(r => string.Join("  ", Enumerable.Range(0, headers.Count)
            .Select(i => (i < r.Count ? r[i] : "").PadRight(widths[i]))).TrimEnd());
        return string.Join(Environment.NewLine, lines) + Environment.NewLine;
    }
}
