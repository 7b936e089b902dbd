using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Modules;
using PerfCluster.Core.Steps;
using PerfCluster.Engine.Drivers;
using PerfCluster.Engine.Modules;
using PerfCluster.Modules;

namespace PerfCluster.Engine.Steps;

/// <summary>One virtual user's instance of one module, its context, and whether its <c>SetupAsync</c> ran.</summary>
internal sealed class UserModule(IModule instance, UserModuleContext context)
{
    public IModule Instance { get; } = instance;
    public UserModuleContext Context { get; } = context;
    public bool SetUp { get; set; }
    /// <summary>The operation's own timeout, reset before each call (module steps with <c>timeout</c> only).</summary>
    public CancellationTokenSource? Timeout { get; set; }
}

/// <summary>A module's view of its virtual user: the user's variables by name and the share's recorder for sub-operations.</summary>
internal sealed class UserModuleContext(string module, UserVariables variables, ModuleVariables named, MetricsRecorder recorder) : ModuleContext
{
    private Random? _random;

    public override string Module { get; } = module;
    public override int VirtualUser => variables.Vu;
    public override long Iteration => variables.Iteration;
    public override ModuleVariables Variables { get; } = named;
    public override Random Random => _random ??= new Random(unchecked(variables.Vu * 486_187_739 + Module.Length));

    public override void Record(string name, long startTimestamp, long endTimestamp, bool failed = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        recorder.RecordOperation(Module, name, startTimestamp, endTimestamp, failed);
    }
}

/// <summary>
/// A user's variables by name, for modules: the journey's variables (what templates read and extractors write) by their
/// slot, <c>vu</c> and <c>iteration</c> read-only, and any other name in a dictionary of the user's own that only modules see.
/// </summary>
internal sealed class UserModuleVariables(UserVariables variables, Core.Steps.VariableTable table) : ModuleVariables
{
    private Dictionary<string, string>? _own;

    public override string? this[string name]
    {
        get
        {
            var slot = table.SlotOf(name);
            if (slot >= 0) return variables[slot];
            return name switch
            {
                "vu" => variables.Vu.ToString(CultureInfo.InvariantCulture),
                "iteration" => variables.Iteration.ToString(CultureInfo.InvariantCulture),
                _ => _own?.GetValueOrDefault(name),
            };
        }
        set
        {
            var slot = table.SlotOf(name);
            if (slot >= 0) variables[slot] = value;
            else if (name is "vu" or "iteration") throw new InvalidOperationException($"'{name}' is a built-in variable and cannot be set");
            else if (value is null) _own?.Remove(name);
            else (_own ??= new Dictionary<string, string>(StringComparer.Ordinal))[name] = value;
        }
    }
}

/// <summary>
/// Module steps: one instance of the module per virtual user (made, and set up, on the user's first use of it), each
/// call timed as one operation of the step's series. An exception is a failed operation whose error kind is the
/// exception's type (the fixed table counts it as <c>module_exception</c>); the first of each type is reported with its
/// message and the module's file and line. Cancellation by the end of the run is not a failure.
/// </summary>
public sealed partial class JourneyRunner
{
    private readonly Dictionary<string, (int Index, CompiledModule Module)> _modules = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<IModule> _instances = new();

    private void LoadModules()
    {
        for (var i = 0; i < _journey.Modules.Count; i++)
            _modules[_journey.Modules[i].Name] = (i, ModuleCompiler.Compile(_journey.Modules[i]));
    }

    private UserModule ModuleOf(ModuleStep step, JourneyUser user)
    {
        var (index, module) = _modules[step.Module];
        if (user.Modules[index] is { } existing) return existing;
        var instance = module.Create();
        _instances.Add(instance);
        user.Named ??= new UserModuleVariables(user.Variables, _journey.Variables);
        return user.Modules[index] = new UserModule(instance, new UserModuleContext(step.Module, user.Variables, user.Named, _recorder));
    }

    private async ValueTask<Flow> ModuleAsync(ModuleStep step, IterationState state)
    {
        var index = _requestIndex[step];
        var intended = state.TakeIntendedStart();
        UserModule slot;
        try
        {
            slot = ModuleOf(step, state.User);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return ModuleFailed(step, index, intended, Stopwatch.GetTimestamp(), e.InnerException ?? e, "its constructor", state);
        }
        if (!slot.SetUp)
        {
            try
            {
                await slot.Instance.SetupAsync(slot.Context).ConfigureAwait(false);
                slot.SetUp = true;
            }
            catch (OperationCanceledException) when (state.Abandon.IsCancellationRequested)
            {
                _recorder.RecordAbandoned();
                return Flow.Abandoned;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The setup runs again at this user's next use of the module.
                return ModuleFailed(step, index, intended, Stopwatch.GetTimestamp(), e, "SetupAsync", state);
            }
        }
        var token = state.Abandon;
        if (step.Timeout is { } limit)
        {
            if (slot.Timeout is not { } cts || !cts.TryReset())
            {
                slot.Timeout?.Dispose();
                slot.Timeout = CancellationTokenSource.CreateLinkedTokenSource(state.Abandon);
            }
            slot.Timeout.CancelAfter(limit);
            token = slot.Timeout.Token;
        }
        var start = Stopwatch.GetTimestamp();
        try
        {
            var operation = slot.Instance.InvokeAsync(slot.Context, token);
            if (!operation.IsCompletedSuccessfully) await operation.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (state.Abandon.IsCancellationRequested)
        {
            _recorder.RecordAbandoned();
            return Flow.Abandoned;
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            _recorder.Record(index, intended, start, Stopwatch.GetTimestamp(), ErrorKind.Timeout);
            state.Failed = true;
            return Flow.Next;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return ModuleFailed(step, index, intended, start, e, "InvokeAsync", state);
        }
        var end = Stopwatch.GetTimestamp();
        ErrorKind? error = null;
        foreach (var check in step.Checks)
        {
            var passed = Stopwatch.GetElapsedTime(start, end) < check.Limit;
            _recorder.RecordCheck(_checkIndex[check.Name], passed);
            if (!passed) error = ErrorKind.CheckFailed;
        }
        _recorder.Record(index, intended, start, end, error);
        if (error is not null) state.Failed = true;
        return Flow.Next;
    }

    private Flow ModuleFailed(ModuleStep step, int index, long? intended, long start, Exception e, string where, IterationState state)
    {
        _recorder.Record(index, intended, start, Stopwatch.GetTimestamp(), ErrorKind.ModuleException);
        var type = e.GetType().FullName ?? e.GetType().Name;
        // A failed setup is its own kind: the module could not be set up, and the report fails the scenario for it.
        if (where == "SetupAsync") type += ModulePerformance.SetupSuffix;
        _recorder.RecordException(index, type, () => Describe(step, e, where));
        state.Failed = true;
        return Flow.Next;
    }

    /// <summary>"InvalidOperationException in SetupAsync at modules/Reasoning.cs:12:9: the message".</summary>
    private string Describe(ModuleStep step, Exception e, string where)
    {
        var files = _modules[step.Module].Module.Definition.Sources.Select(s => s.File).ToHashSet(StringComparer.Ordinal);
        var frame = new StackTrace(e, fNeedFileInfo: true).GetFrames().FirstOrDefault(f => f.GetFileName() is { } file && files.Contains(file));
        var at = frame is null ? "" : $" at {frame.GetFileName()}:{frame.GetFileLineNumber()}:{frame.GetFileColumnNumber()}";
        var message = e.Message.Length > 500 ? e.Message[..500] + "…" : e.Message;
        return $"{e.GetType().Name} in {where}{at}: {message}";
    }

    private void DisposeModules()
    {
        foreach (var instance in _instances)
        {
            try
            {
                if (instance is IAsyncDisposable async) async.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
                else if (instance is IDisposable disposable) disposable.Dispose();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Serilog.Log.Warning("A module instance failed to dispose: {Error}", e.GetBaseException().Message);
            }
        }
    }
}
