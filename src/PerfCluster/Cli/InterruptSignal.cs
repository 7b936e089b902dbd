using System.Runtime.InteropServices;

namespace PerfCluster.Cli;

/// <summary>
/// First SIGINT/SIGTERM: cancel <see cref="Token"/> so the run stops gracefully and the partial report
/// is written. A second signal exits at once with code 130.
/// </summary>
public sealed class InterruptSignal : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly PosixSignalRegistration[] _registrations;

    private readonly bool _quiet;

    public InterruptSignal(bool quiet = false)
    {
        _quiet = quiet;
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle),
        ];
    }

    public CancellationToken Token => _cts.Token;
    public string SignalName { get; private set; } = "signal";

    private void Handle(PosixSignalContext context)
    {
        context.Cancel = true;
        if (_cts.IsCancellationRequested)
        {
            Console.Error.WriteLine("Second interrupt: exiting without waiting.");
            Environment.Exit(ExitCodes.Interrupted);
        }
        SignalName = context.Signal == PosixSignal.SIGINT ? "SIGINT" : "SIGTERM";
        if (!_quiet) Console.Error.WriteLine($"{SignalName}: stopping the run and writing the partial report (again to quit at once)...");
        _cts.Cancel();
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _cts.Dispose();
    }
}
