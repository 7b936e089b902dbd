using PerfCluster.Core.Scenarios;
using PerfCluster.Engine.Workers;

namespace PerfCluster.Engine.Drivers;

/// <summary>Chooses the request driver for a share.</summary>
public static class RequestDrivers
{
    public static IRequestDriver Create(ScenarioDefinition scenario, MetricsRecorder recorder, int connections) =>
        new HttpDriver(scenario, recorder, connections);
}
