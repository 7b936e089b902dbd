// The cheapest module there is: what PerfCluster adds around a module operation is all that is measured.
public sealed class NoOp : IModule
{
    public ValueTask InvokeAsync(ModuleContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
