using PerfCluster.Engine.Steps;
using Xunit;

namespace PerfCluster.Engine.Tests.Steps;

public sealed class UniqueRowsSpecs
{
    /// <summary>A coordinator in miniature: hands out consecutive blocks of a feeder of <paramref name="rows"/> rows.</summary>
    private sealed class Leaser(int rows)
    {
        private int _next;
        public int Requests;
        public UniqueRows? Target;

        public void Request(string feeder, int count)
        {
            Requests++;
            var from = Math.Min(_next, rows);
            var to = Math.Min(rows, from + count);
            _next = to;
            ThreadPool.QueueUserWorkItem(_ => Target!.Grant(from, to));
        }
    }

    [Fact]
    public async Task Should_hand_out_every_row_once_in_growing_blocks_then_report_exhaustion()
    {
        var leaser = new Leaser(1_000);
        var rows = new UniqueRows("users", leaser.Request);
        leaser.Target = rows;

        var taken = await Task.WhenAll(Enumerable.Range(0, 1_100).Select(_ => rows.TakeAsync(CancellationToken.None).AsTask()));

        var handed = taken.Where(r => r >= 0).ToList();
        Assert.Equal(1_000, handed.Count);
        Assert.Equal(Enumerable.Range(0, 1_000), handed.Order());
        Assert.Equal(100, taken.Count(r => r < 0));
        Assert.InRange(leaser.Requests, 2, 20);   // one message per block, not per row
        Assert.Equal(-1, await rows.TakeAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Should_let_a_waiting_user_go_when_the_share_is_abandoned()
    {
        var rows = new UniqueRows("users", (_, _) => { });   // the answer never comes
        using var abandon = new CancellationTokenSource();
        var waiting = rows.TakeAsync(abandon.Token).AsTask();
        abandon.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }
}
