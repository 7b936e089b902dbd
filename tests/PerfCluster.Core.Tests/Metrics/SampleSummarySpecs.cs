using PerfCluster.Core.Metrics;

namespace PerfCluster.Core.Tests.Metrics;

public class SampleSummarySpecs
{
    [Fact]
    public void Should_give_the_t_interval_of_the_mean()
    {
        // Mean 10, sample standard deviation 1 (values 9, 10, 11), n = 3: t(0.975, 2) = 4.303.
        var s = SampleSummary.Of([9, 10, 11]);

        Assert.Equal(10, s.Mean, 9);
        Assert.Equal(1, s.StdDev, 9);
        Assert.Equal(10 - 4.303 / Math.Sqrt(3), s.Ci95Low, 6);
        Assert.Equal(10 + 4.303 / Math.Sqrt(3), s.Ci95High, 6);
    }

    [Fact]
    public void Should_use_the_normal_quantile_for_many_samples()
    {
        Assert.Equal(1.96, SampleSummary.TQuantile975(100));
        Assert.Equal(2.042, SampleSummary.TQuantile975(30));
    }

    [Fact]
    public void Should_have_no_interval_for_a_single_sample()
    {
        var s = SampleSummary.Of([5]);

        Assert.Equal(5, s.Mean);
        Assert.True(double.IsNaN(s.Ci95Low));
    }
}
