using PerfCluster.Core.Coordination;

namespace PerfCluster.Core.Tests.Coordination;

public class SharesSpecs
{
    [Theory]
    [InlineData(10, new[] { 1.0, 1.0, 1.0 }, new[] { 4, 3, 3 })]
    [InlineData(7, new[] { 1.0, 1.0 }, new[] { 4, 3 })]
    [InlineData(100, new[] { 2.0, 1.0, 1.0 }, new[] { 50, 25, 25 })]
    [InlineData(5, new[] { 0.5, 0.3, 0.2 }, new[] { 3, 1, 1 })]
    [InlineData(0, new[] { 1.0, 1.0 }, new[] { 0, 0 })]
    [InlineData(2, new[] { 1.0, 1.0, 1.0 }, new[] { 1, 1, 0 })]
    public void Should_split_by_largest_remainder_with_an_exact_total(int total, double[] weights, int[] expected)
    {
        var parts = Shares.LargestRemainder(total, weights);

        Assert.Equal(expected, parts);
        Assert.Equal(total, parts.Sum());
    }

    [Fact]
    public void Should_keep_totals_exact_for_awkward_weights()
    {
        var random = new Random(7);
        for (var trial = 0; trial < 500; trial++)
        {
            var weights = Enumerable.Range(0, random.Next(1, 9)).Select(_ => random.NextDouble() * 10 + 0.01).ToArray();
            var total = random.Next(0, 100_000);

            var parts = Shares.LargestRemainder(total, weights);

            Assert.Equal(total, parts.Sum());
            for (var i = 0; i < weights.Length; i++)
                Assert.True(Math.Abs(parts[i] - total * weights[i] / weights.Sum()) < 1.0, $"part {i} strays more than one from its exact share");
        }
    }

    [Fact]
    public void Should_hand_out_consecutive_user_ranges()
    {
        var shares = Shares.SplitUsers(10, [1, 1, 1]);

        Assert.Equal([new UserShare(0, 4), new UserShare(4, 7), new UserShare(7, 10)], shares);
    }

    [Fact]
    public void Should_reject_weights_that_sum_to_zero_or_are_negative()
    {
        Assert.Throws<ArgumentException>(() => Shares.LargestRemainder(5, [0, 0]));
        Assert.Throws<ArgumentException>(() => Shares.LargestRemainder(5, [1, -1]));
        Assert.Throws<ArgumentException>(() => Shares.LargestRemainder(5, []));
    }
}
