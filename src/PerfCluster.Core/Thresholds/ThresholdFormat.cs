using System.Globalization;

namespace PerfCluster.Core.Thresholds;

/// <summary>How threshold figures are shown to people: "0.143s", "1.23%", "205.4/s", "1000", "n/a".</summary>
public static class ThresholdFormat
{
    public static string Value(ThresholdMetricKind kind, double value)
    {
        if (double.IsNaN(value)) return "n/a";
        if (double.IsInfinity(value)) return value > 0 ? "∞" : "-∞";
        var c = CultureInfo.InvariantCulture;
        return kind switch
        {
            ThresholdMetricKind.Latency => value.ToString("0.######", c) + "s",
            ThresholdMetricKind.ErrorRate or ThresholdMetricKind.Ratio => (value * 100).ToString("0.##", c) + "%",
            ThresholdMetricKind.Throughput => value.ToString("0.##", c) + "/s",
            _ => value.ToString("0.##", c),
        };
    }
}
