using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace PerfCluster.Cli;

/// <summary>Serilog set-up shared by every command: human lines or JSON lines, always on stderr.</summary>
public static class Logging
{
    public static void Configure(bool verbose, string format) => Configure(verbose ? LogEventLevel.Debug : LogEventLevel.Warning, format);

    public static void Configure(LogEventLevel level, string format)
    {
        var config = new LoggerConfiguration()
            .MinimumLevel.Is(level)
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .Enrich.FromLogContext();
        config = format == "json"
            ? config.WriteTo.Console(new RenderedCompactJsonFormatter(), standardErrorFromLevel: LogEventLevel.Verbose)
            : config.WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}",
                standardErrorFromLevel: LogEventLevel.Verbose);
        Log.Logger = config.CreateLogger();
    }
}
