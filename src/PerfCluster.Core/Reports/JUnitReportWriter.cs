using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using PerfCluster.Core.Regression;

namespace PerfCluster.Core.Reports;

/// <summary>
/// <c>junit.xml</c> for CI: one <c>&lt;testsuite&gt;</c> per scenario and one <c>&lt;testcase&gt;</c> per threshold,
/// named "&lt;scope&gt;: &lt;expression&gt;", with a <c>&lt;failure&gt;</c> giving actual against limit when it failed.
/// A scenario gets a "completed" test case when it has no thresholds, and also when it was interrupted or completed no
/// requests (failed in both cases), so the CI view never shows green for those. A run that ended in
/// <see cref="RunStatus.Error"/> adds a suite "run" whose test case is an error.
/// </summary>
public static class JUnitReportWriter
{
    public const string FileName = "junit.xml";
    public const string CompletedTestName = "completed";

    public static string Render(RunReport report) => Serialize(ToXml(report));

    public static void Write(RunReport report, string directory) =>
        ReportWriter.WriteFile(directory, FileName, Render(report));

    /// <summary>The document, for callers that want to add to it.</summary>
    public static XDocument ToXml(RunReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var suites = report.Scenarios.Select(s => Suite(report, s)).ToList();
        if (report.Status == RunStatus.Error) suites.Add(ErrorSuite(report));

        var root = new XElement("testsuites",
            new XAttribute("name", Clean($"{RunReport.ToolName} {report.RunId}")),
            new XAttribute("tests", suites.Sum(s => (int)s.Attribute("tests")!)),
            new XAttribute("failures", suites.Sum(s => (int)s.Attribute("failures")!)),
            new XAttribute("errors", suites.Sum(s => (int)s.Attribute("errors")!)),
            new XAttribute("skipped", suites.Sum(s => (int)s.Attribute("skipped")!)),
            new XAttribute("time", Seconds(report.Duration.TotalSeconds)),
            new XAttribute("timestamp", report.StartedAt.ToString("yyyy-MM-ddTHH:mm:ssK", CultureInfo.InvariantCulture)),
            suites);
        return new XDocument(new XDeclaration("1.0", "utf-8", null), root);
    }

    private static XElement Suite(RunReport report, ScenarioReport scenario)
    {
        var stats = scenario.Statistics;
        var time = Seconds(stats.MeasuredDuration.TotalSeconds);
        var className = Clean($"{RunReport.ToolName}.{scenario.Name}");
        var cases = new List<XElement>();

        foreach (var t in scenario.Thresholds)
        {
            var testCase = Case(className, $"{t.Scope}: {t.Expression}", time);
            if (!t.Passed)
            {
                var note = t.Note is null ? "" : $" ({t.Note})";
                testCase.Add(new XElement("failure",
                    new XAttribute("message", Clean($"{t.Metric} actual {t.FormatActual()}{note}, limit {t.FormatLimit()}")),
                    new XAttribute("type", "threshold"),
                    Clean(t.Describe())));
            }
            cases.Add(testCase);
        }

        foreach (var check in stats.Checks)
        {
            var testCase = Case(className, $"check {check.Name}", time);
            if (check.Failures > 0)
                testCase.Add(new XElement("failure",
                    new XAttribute("message", Clean($"check '{check.Name}' failed {check.Failures} of {check.Total} times")),
                    new XAttribute("type", "check"),
                    Clean($"check '{check.Name}': {check.Passes} passed, {check.Failures} failed")));
            cases.Add(testCase);
        }

        foreach (var module in scenario.Modules.Where(m => m.SetupFailed))
        {
            var first = module.Exceptions.First(x => x.Type.EndsWith(Modules.ModulePerformance.SetupSuffix, StringComparison.Ordinal));
            var setup = Case(className, $"module {module.Module}: setup", time);
            setup.Add(new XElement("failure",
                new XAttribute("message", Clean($"SetupAsync threw {first.Type}")),
                new XAttribute("type", "module_setup"),
                Clean(first.Sample ?? first.Type)));
            cases.Add(setup);
        }
        foreach (var module in scenario.Modules)
        foreach (var t in module.Targets)
        {
            var testCase = Case(className, $"module {module.Module}: {t.Target} {ReportFormat.Number(t.Limit, "0.###")}", time);
            if (!t.Passed)
                testCase.Add(new XElement("failure",
                    new XAttribute("message", Clean(t.Describe())),
                    new XAttribute("type", "module_target"),
                    Clean($"module '{module.Module}' in scenario '{scenario.Name}': {t.Describe()}")));
            cases.Add(testCase);
        }

        if (scenario.Regression is { } regression) cases.AddRange(RegressionCases(className, time, regression));

        var problems = new List<string>();
        if (scenario.Interrupted) problems.Add($"interrupted after {ReportFormat.Duration(stats.MeasuredDuration)}");
        if (scenario.CompletedNoRequests) problems.Add("no requests completed");
        if ((scenario.Thresholds.Count == 0 && scenario.Regression is null && !scenario.Modules.Any(m => m.Targets.Count > 0)) || problems.Count > 0)
        {
            var testCase = Case(className, CompletedTestName, time);
            if (problems.Count > 0)
            {
                var message = string.Join("; ", problems);
                testCase.Add(new XElement("failure",
                    new XAttribute("message", Clean(message)),
                    new XAttribute("type", scenario.Interrupted ? "interrupted" : "no_requests"),
                    Clean($"scenario '{scenario.Name}': {message}")));
            }
            cases.Add(testCase);
        }

        var properties = new XElement("properties",
            Property("run_id", report.RunId),
            Property("target", scenario.Definition.Target.ToString()),
            Property("users", scenario.Definition.Load.Users.ToString(CultureInfo.InvariantCulture)),
            Property("requests", stats.Overall.Requests.ToString(CultureInfo.InvariantCulture)),
            Property("throughput", ReportFormat.Number(stats.Overall.Throughput, "0.###")),
            Property("error_rate", ReportFormat.Number(stats.Overall.ErrorRate, "0.######")));

        return new XElement("testsuite",
            new XAttribute("name", Clean(scenario.Name)),
            new XAttribute("tests", cases.Count),
            new XAttribute("failures", cases.Count(c => c.Element("failure") is not null)),
            new XAttribute("errors", 0),
            new XAttribute("skipped", cases.Count(c => c.Element("skipped") is not null)),
            new XAttribute("time", time),
            new XAttribute("timestamp", stats.StartedAt.ToString("yyyy-MM-ddTHH:mm:ssK", CultureInfo.InvariantCulture)),
            new XAttribute("hostname", Clean(report.Host)),
            properties,
            cases);
    }

    /// <summary>
    /// One case per metric compared with the baseline, named "regression: &lt;metric&gt;": a failure when it failed (or
    /// warned under --strict), the account in system-out when it warned, skipped when it could not be compared.
    /// </summary>
    private static IEnumerable<XElement> RegressionCases(string className, string time, RegressionVerdict v)
    {
        foreach (var m in v.Metrics)
        {
            var testCase = Case(className, $"regression: {m.Metric}", time);
            var account = $"{RegressionFormat.Describe(m)} — {m.Outcome.ToJsonName()} against {RegressionFormat.Baseline(v)}";
            switch (m.Outcome)
            {
                case RegressionOutcome.Fail:
                case RegressionOutcome.Warning when v.Strict:
                    testCase.Add(new XElement("failure",
                        new XAttribute("message", Clean(RegressionFormat.Describe(m))),
                        new XAttribute("type", m.Outcome == RegressionOutcome.Fail ? "regression" : "regression_warning"),
                        Clean(account)));
                    break;
                case RegressionOutcome.Warning:
                    testCase.Add(new XElement("system-out", Clean("warning: " + account)));
                    break;
                case RegressionOutcome.NotCompared:
                    testCase.Add(new XElement("skipped", new XAttribute("message", Clean(m.Note ?? "not compared"))));
                    break;
            }
            yield return testCase;
        }
    }

    private static XElement ErrorSuite(RunReport report)
    {
        var message = report.Notes.Count > 0 ? string.Join("; ", report.Notes) : "the run ended with an error";
        var testCase = Case($"{RunReport.ToolName}.run", "run", Seconds(report.Duration.TotalSeconds));
        testCase.Add(new XElement("error", new XAttribute("message", Clean(message)), new XAttribute("type", "error"), Clean(message)));
        return new XElement("testsuite",
            new XAttribute("name", "run"),
            new XAttribute("tests", 1),
            new XAttribute("failures", 0),
            new XAttribute("errors", 1),
            new XAttribute("skipped", 0),
            new XAttribute("time", Seconds(report.Duration.TotalSeconds)),
            new XAttribute("hostname", Clean(report.Host)),
            testCase);
    }

    private static XElement Case(string className, string name, string time) =>
        new("testcase", new XAttribute("classname", className), new XAttribute("name", Clean(name)), new XAttribute("time", time));

    private static XElement Property(string name, string value) =>
        new("property", new XAttribute("name", name), new XAttribute("value", Clean(value)));

    private static string Seconds(double seconds) =>
        (double.IsFinite(seconds) && seconds > 0 ? seconds : 0).ToString("0.000", CultureInfo.InvariantCulture);

    /// <summary>Drops characters XML 1.0 cannot carry at all (control characters), so odd input never breaks the file.</summary>
    private static string Clean(string text)
    {
        if (text.All(XmlConvert.IsXmlChar)) return text;
        var clean = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (XmlConvert.IsXmlChar(text[i])) clean.Append(text[i]);
            else if (i + 1 < text.Length && XmlConvert.IsXmlSurrogatePair(text[i + 1], text[i])) clean.Append(text[i]).Append(text[++i]);
        }
        return clean.ToString();
    }

    private static string Serialize(XDocument document)
    {
        var settings = new XmlWriterSettings
        {
            Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
            Indent = true,
        };
        using var buffer = new MemoryStream();
        using (var writer = XmlWriter.Create(buffer, settings)) document.Save(writer);
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }
}
