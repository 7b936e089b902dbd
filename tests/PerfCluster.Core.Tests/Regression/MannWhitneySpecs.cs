using PerfCluster.Core.Regression;
using Xunit;

namespace PerfCluster.Core.Tests.Regression;

/// <summary>
/// Reference values: the first is the example of scipy's mannwhitneyu documentation (asymptotic method,
/// p = 0.11134688653314041); the others were worked out by hand from the rank sums, the tie-corrected variance and
/// erfc, as scipy computes them with use_continuity=True, alternative="two-sided", method="asymptotic".
/// </summary>
public class MannWhitneySpecs
{
    [Fact]
    public void Should_match_the_documented_example_without_ties()
    {
        var result = MannWhitney.Test([19, 22, 16, 29, 24], [20, 11, 17, 12]);

        Assert.Equal(17.0, result.U);
        Assert.Equal(1.5921683328090657, result.Z, 1e-12);
        Assert.Equal(0.11134688653314041, result.PValue, 1e-10);
        Assert.Equal((5, 4), (result.CountX, result.CountY));
    }

    [Fact]
    public void Should_correct_the_variance_for_ties()
    {
        // Pooled ranks: 1 → 1; 2,2,2 → 3; 3 ×5 → 7; 4 ×3 → 11; 5 ×3 → 14. R1 = 1+3+3+7+7+7+11 = 39, U = 39 - 28 = 11.
        var result = MannWhitney.Test([1, 2, 2, 3, 3, 3, 4], [2, 3, 3, 4, 4, 5, 5, 5]);

        Assert.Equal(11.0, result.U);
        Assert.Equal(-1.966516590319034, result.Z, 1e-12);
        Assert.Equal(0.04923896783855342, result.PValue, 1e-10);
    }

    [Fact]
    public void Should_handle_mostly_zero_error_rates()
    {
        var result = MannWhitney.Test([0, 0, 0, 0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 1, 1, 1, 2, 2, 1, 1]);

        Assert.Equal(19.0, result.U);
        Assert.Equal(0.008088429155020824, result.PValue, 1e-10);
    }

    [Fact]
    public void Should_give_p_of_one_when_every_value_is_equal()
    {
        var result = MannWhitney.Test([3, 3, 3, 3, 3], [3, 3, 3, 3, 3]);

        Assert.Equal(1, result.PValue);
        Assert.Equal(0, result.Z);
    }

    [Fact]
    public void Should_be_symmetric_in_its_samples()
    {
        double[] x = [1.2, 3.4, 2.2, 5.1, 0.3, 4.4];
        double[] y = [2.5, 6.1, 7.3, 3.3, 5.8];

        var xy = MannWhitney.Test(x, y);
        var yx = MannWhitney.Test(y, x);

        Assert.Equal(xy.PValue, yx.PValue, 1e-15);
        Assert.Equal(-xy.Z, yx.Z, 1e-15);
        Assert.Equal(x.Length * y.Length, xy.U + yx.U);
    }

    [Fact]
    public void Should_return_nan_for_an_empty_sample()
    {
        Assert.True(double.IsNaN(MannWhitney.Test([], [1, 2]).PValue));
        Assert.True(double.IsNaN(MannWhitney.HodgesLehmann([1, 2], []).Shift));
    }

    [Fact]
    public void Should_estimate_the_shift_as_the_median_pairwise_difference_with_moses_interval()
    {
        double[] x = [10.1, 10.4, 9.8, 10.0, 10.3, 9.9, 10.2, 10.5, 9.7, 10.0];
        double[] y = [12.0, 11.8, 12.4, 12.1, 11.9, 12.6, 12.2, 11.7, 12.3, 12.0];

        var shift = MannWhitney.HodgesLehmann(x, y);
        var test = MannWhitney.Test(x, y);

        Assert.Equal(2.0, shift.Shift, 1e-12);
        // k = floor(50 - 1.96 * sqrt(100 * 21 / 12)) = 24: the 24th smallest and 24th largest of the 100 differences.
        Assert.Equal(1.7, shift.Ci95Low, 1e-12);
        Assert.Equal(2.3, shift.Ci95High, 1e-12);
        Assert.Equal(0.00018063472080753556, test.PValue, 1e-12);
        Assert.True(test.Z < 0);
    }

    [Fact]
    public void Should_widen_the_interval_to_the_range_for_tiny_samples()
    {
        var shift = MannWhitney.HodgesLehmann([1, 2, 3, 4, 5], [3, 4, 5, 6, 7, 8]);

        Assert.Equal(2.5, shift.Shift);
        Assert.Equal(0, shift.Ci95Low);
        Assert.Equal(5, shift.Ci95High);
    }

    [Fact]
    public void Should_thin_long_samples_for_the_shift_estimate_but_keep_its_value()
    {
        var x = Enumerable.Range(0, 3000).Select(i => (double)(i % 100)).ToList();
        var y = Enumerable.Range(0, 3000).Select(i => (double)(i % 100) + 7).ToList();

        var shift = MannWhitney.HodgesLehmann(x, y);

        Assert.Equal(7, shift.Shift, 1e-9);
    }

    [Theory]
    [InlineData(0, 1.0)]
    [InlineData(0.5, 0.4795001221869535)]
    [InlineData(1, 0.15729920705028513)]
    [InlineData(2, 0.004677734981047265)]
    [InlineData(2.9, 4.109787809945886e-05)]
    [InlineData(3, 2.2090496998585438e-05)]
    [InlineData(3.1, 1.1648657367199589e-05)]
    [InlineData(5, 1.5374597944280351e-12)]
    [InlineData(8, 1.1224297172982928e-29)]
    [InlineData(12, 1.3562611692059042e-64)]
    public void Should_compute_erfc_to_high_relative_precision(double x, double expected)
    {
        Assert.Equal(1, MannWhitney.Erfc(x) / expected, 1e-9);
        Assert.Equal(2 - expected, MannWhitney.Erfc(-x), 1e-12);
    }

    [Fact]
    public void Should_give_the_normal_tail()
    {
        Assert.Equal(0.025, MannWhitney.NormalUpperTail(MannWhitney.Z975), 1e-12);
        Assert.Equal(0.5, MannWhitney.NormalUpperTail(0), 1e-15);
    }
}
