using System.Reflection;
using Akka.Configuration;

namespace PerfCluster.Engine;

/// <summary>The embedded <c>reference.conf</c>: every PerfCluster setting with its default, beneath every node's settings.</summary>
public static class EngineReference
{
    public static Config Config { get; } = Load();

    private static Config Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("PerfCluster.Engine.reference.conf")
            ?? throw new InvalidOperationException("reference.conf is not embedded in PerfCluster.Engine");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }
}
