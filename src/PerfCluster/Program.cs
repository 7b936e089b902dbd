using PerfCluster.Cli;

namespace PerfCluster;

public static class Program
{
    public static Task<int> Main(string[] args) => PerfClusterCli.RunAsync(args);
}
