using System.Diagnostics;

namespace PerfCluster.Modules;

/// <summary>
/// What a module sees of its virtual user: the user's global index, its iteration, its variables (the same ones the
/// flow's templates read and its extractors write) and a way to time named sub-operations. One context per virtual
/// user and module, reused for every operation.
/// </summary>
public abstract class ModuleContext
{
    /// <summary>The module's name in the scenario (<c>modules { NAME { … } }</c>).</summary>
    public abstract string Module { get; }

    /// <summary>The virtual user's index in the whole run, over every worker (<c>{{vu}}</c>).</summary>
    public abstract int VirtualUser { get; }

    /// <summary>The virtual user's iteration, from 0 (<c>{{iteration}}</c>).</summary>
    public abstract long Iteration { get; }

    /// <summary>The virtual user's variables, shared with the flow's templates (<c>{{name}}</c>).</summary>
    public abstract ModuleVariables Variables { get; }

    /// <summary>A random source of this virtual user's own (no locking, no sharing between users).</summary>
    public abstract Random Random { get; }

    /// <summary>
    /// Times a named sub-operation until the returned timer is disposed: <c>using (context.Time("parse")) { … }</c>.
    /// Each name is a series of the module's report (count, failures, latency percentiles), merged over every worker.
    /// </summary>
    public OperationTimer Time(string name) => new(this, name, Stopwatch.GetTimestamp());

    /// <summary>
    /// Records one sub-operation that ran from <paramref name="startTimestamp"/> to <paramref name="endTimestamp"/>
    /// (<see cref="Stopwatch.GetTimestamp"/> values); <see cref="Time"/> calls it.
    /// </summary>
    public abstract void Record(string name, long startTimestamp, long endTimestamp, bool failed = false);
}

/// <summary>
/// A running sub-operation of <see cref="ModuleContext.Time"/>: disposing it records its duration (a failed sub-operation
/// is recorded with <see cref="ModuleContext.Record"/>).
/// </summary>
public struct OperationTimer : IDisposable
{
    private readonly ModuleContext? _context;
    private readonly string _name;
    private readonly long _start;
    private bool _done;

    internal OperationTimer(ModuleContext context, string name, long start)
    {
        _context = context;
        _name = name;
        _start = start;
        _done = false;
    }

    /// <summary>Records the sub-operation (once, however often it is disposed).</summary>
    public void Dispose()
    {
        if (_done || _context is null) return;
        _done = true;
        _context.Record(_name, _start, Stopwatch.GetTimestamp());
    }
}

/// <summary>A virtual user's variables by name; a value is text, as in templates. An unset variable reads as null.</summary>
public abstract class ModuleVariables
{
    /// <summary>The variable's value, or null when it is unset; setting null unsets it.</summary>
    public abstract string? this[string name] { get; set; }

    /// <summary>True, with its value, when the variable is set.</summary>
    public bool TryGetValue(string name, out string value)
    {
        var v = this[name];
        value = v ?? "";
        return v is not null;
    }
}
