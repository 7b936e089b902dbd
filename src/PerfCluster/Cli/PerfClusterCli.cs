using System.CommandLine;
using PerfCluster.Core.Scenarios;
using PerfCluster.Core.Hocon;
using PerfCluster.Core.Input;

namespace PerfCluster.Cli;

/// <summary>The command tree of the one <c>perfcluster</c> executable.</summary>
public static class PerfClusterCli
{
    /// <summary>Every command; tests parse the deployment manifests' command lines with it.</summary>
    public static RootCommand Root() =>
        new("PerfCluster: distributed load generation with exact cluster-wide percentiles.")
        {
            RunCommand.Create(),
            BaselineCommand.Create(),
            TestCommand.Create(),
            OptimizeCommand.Create(),
            TargetCommand.Create(),
            DemoCommand.Create(),
            CoordinatorCommand.Create(),
            ClusterCommand.Create(),
            RunsCommand.Create(),
            ReportCommand.Create(),
            WorkerCommand.Create(),
            ScheduleCommand.Create(),
            HealthCommand.Create(),
            CertCommand.Create(),
            DbCommand.Create(),
            CacheCommand.Create(),
        };

    public static async Task<int> RunAsync(string[] args)
    {
        var parsed = Root().Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors) Console.Error.WriteLine($"error: {error.Message}");
            Console.Error.WriteLine("Run 'perfcluster --help' (or 'perfcluster <command> --help') for usage.");
            return ExitCodes.BadInput;
        }
        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false });
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.BadInput;
        }
        catch (PerfCluster.Engine.Security.TlsFileException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.BadInput;
        }
        catch (ScenarioException e)
        {
            Console.Error.WriteLine($"error: {e.Describe()}");
            return ExitCodes.BadInput;
        }
    }

    // Shared options ------------------------------------------------------------------------------
    public static Option<bool> Verbose() => new("--verbose", "-v") { Description = "Log at debug level (to stderr)." };

    public static Option<string> LogFormat() => new Option<string>("--log-format")
    {
        Description = "Log line format: text or json.",
        DefaultValueFactory = _ => "text",
    }.AcceptOnlyFromAmong("text", "json");

    /// <summary>Parses a CLI duration like 30s, 500ms, 2m (a bare number is seconds).</summary>
    public static TimeSpan ParseDuration(string text, string option)
    {
        var value = HoconScalar.FromText(text, option).AsDuration(option);
        if (value < TimeSpan.Zero) throw new UsageException($"{option} must not be negative (got {text})");
        return value;
    }
}
