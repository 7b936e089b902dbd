using System.Text;
using CsCheck;
using PerfCluster.Engine.Drivers;
using PerfCluster.Fuzzing;
using Xunit.Abstractions;

namespace PerfCluster.Engine.Tests.Drivers;

/// <summary>
/// The fast engine's response parser, fuzzed with mutants of tests/fuzz-corpus/http. It must never throw, never
/// consume more than it was given, and reach the same verdict (result, bytes consumed, status, keep-alive) however
/// the bytes are cut into reads: whole, in two at any point, or one byte at a time.
/// </summary>
public class FastHttpResponseParserFuzzSpecs(ITestOutputHelper output)
{
    private static readonly string[] Tokens =
    [
        "\r\n", "\n", "\r", "HTTP/1.1 ", "HTTP/1.0 ", "HTTP/2 ", "200", "100", "101", "204", "304", "999", " OK", ":", " ",
        "Content-Length: ", "Content-Length: 5, 6", "Transfer-Encoding: chunked", "Transfer-Encoding: gzip, chunked",
        "Connection: close", "Connection: keep-alive", "0\r\n\r\n", "ffffffffffffffff\r\n", "5;ext=1\r\n", "\t", "\0", "\u00ff",
        "-1", "18446744073709551616",
    ];

    private sealed record Verdict(FastHttpParse Result, int Consumed, int Status, bool KeepAlive, bool EndOfStream);

    private static Verdict Parse(byte[] bytes, IEnumerable<int> cuts, bool head)
    {
        var parser = new FastHttpResponseParser();
        parser.Reset(head, maxBody: 1 << 16);
        var pending = new List<byte>();
        var consumedInAll = 0;
        var result = FastHttpParse.NeedMore;
        var from = 0;
        foreach (var cut in cuts.Append(bytes.Length))
        {
            pending.AddRange(bytes[from..cut]);
            from = cut;
            var given = pending.ToArray();
            result = parser.Parse(given, out var consumed);
            Assert.InRange(consumed, 0, given.Length);
            consumedInAll += consumed;
            pending.RemoveRange(0, consumed);
            if (result != FastHttpParse.NeedMore) break;
        }
        var ended = result == FastHttpParse.NeedMore && parser.CompleteAtEndOfStream();
        return new Verdict(result, consumedInAll, parser.StatusCode, result == FastHttpParse.Done && parser.KeepAlive, ended);
    }

    private static void Check(string text)
    {
        var bytes = Encoding.Latin1.GetBytes(text);
        foreach (var head in new[] { false, true })
        {
            var whole = Parse(bytes, [], head);
            for (var cut = 1; cut < bytes.Length; cut += Math.Max(1, bytes.Length / 7))
                Assert.Equal(whole, Parse(bytes, [cut], head));
            if (bytes.Length <= 512) Assert.Equal(whole, Parse(bytes, Enumerable.Range(1, Math.Max(0, bytes.Length - 1)), head));
        }
    }

    [Fact]
    public void Should_parse_every_seed_and_regression_the_same_whatever_the_reads()
    {
        foreach (var (_, text) in Fuzz.Files("http")) Check(text);
    }

    [Fact]
    public void Should_never_throw_and_never_depend_on_how_mutated_responses_are_cut() =>
        Assert.True(Fuzz.Run(Fuzz.Mutants(Fuzz.Files("http").Select(f => f.Text).ToList(), Tokens), Check, output.WriteLine, "http response") > 0);
}
