namespace PerfCluster.Modules;

/// <summary>
/// A module: the user's own C# code run as a step of a flow. PerfCluster makes one instance per virtual user, calls
/// <see cref="SetupAsync"/> once before that user's first operation, then <see cref="InvokeAsync"/> once per step run,
/// and times each call as one operation of the module's series.
/// </summary>
public interface IModule
{
    /// <summary>Once per virtual user, before its first operation (open a client, log in, build a working set).</summary>
    ValueTask SetupAsync(ModuleContext context) => ValueTask.CompletedTask;   // once per virtual user

    /// <summary>
    /// One operation. An exception fails it, and the exception's type is its error kind; <paramref name="cancellationToken"/>
    /// is cancelled when the run ends, and an operation cancelled by it is not a failure.
    /// </summary>
    ValueTask InvokeAsync(ModuleContext context, CancellationToken cancellationToken);  // one operation
}
