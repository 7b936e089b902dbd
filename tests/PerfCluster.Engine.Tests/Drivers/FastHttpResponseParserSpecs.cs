using System.Text;
using PerfCluster.Engine.Drivers;

namespace PerfCluster.Engine.Tests.Drivers;

public class FastHttpResponseParserSpecs
{
    private const string ContentLength = "HTTP/1.1 200 OK\r\nServer: t\r\nContent-Length: 11\r\n\r\nhello world";
    private const string Chunked =
        "HTTP/1.1 201 Created\r\nTransfer-Encoding: gzip, chunked\r\n\r\n" +
        "4;ext=1\r\nwiki\r\n" +
        "5 ; a ; b=\"q;x\"\r\npedia\r\n" +
        "E\r\n in\r\n\r\nchunks.\r\n" +
        "0;last\r\nX-Trailer: 1\r\nY-Trailer:  two\r\n\r\n";
    private const string Interim = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" + ContentLength;

    /// <summary>
    /// Feeds <paramref name="pieces"/> the way the driver does: unconsumed bytes stay in front of the
    /// next piece. Returns the last result, the bytes consumed in all and those left unconsumed.
    /// </summary>
    private static (FastHttpParse Result, int Consumed, int Left) Feed(FastHttpResponseParser parser, IEnumerable<byte[]> pieces)
    {
        var pending = new List<byte>();
        var consumedInAll = 0;
        var result = FastHttpParse.NeedMore;
        foreach (var piece in pieces)
        {
            pending.AddRange(piece);
            result = parser.Parse(pending.ToArray(), out var consumed);
            consumedInAll += consumed;
            pending.RemoveRange(0, consumed);
            if (result != FastHttpParse.NeedMore) break;
        }
        return (result, consumedInAll, pending.Count);
    }

    private static (FastHttpParse Result, int Consumed, int Left) FeedWhole(FastHttpResponseParser parser, string text) =>
        Feed(parser, [Encoding.ASCII.GetBytes(text)]);

    private static FastHttpResponseParser NewParser(bool head = false)
    {
        var parser = new FastHttpResponseParser();
        parser.Reset(head);
        return parser;
    }

    /// <summary>Every way to cut <paramref name="text"/> in two, and one byte at a time.</summary>
    private static IEnumerable<byte[][]> Splits(string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        for (var cut = 1; cut < bytes.Length; cut++) yield return [bytes[..cut], bytes[cut..]];
        yield return bytes.Select(b => new[] { b }).ToArray();
    }

    [Theory]
    [InlineData(ContentLength, 200)]
    [InlineData(Chunked, 201)]
    [InlineData(Interim, 200)]
    public void Should_parse_a_complete_response_however_it_is_split_across_reads(string response, int status)
    {
        foreach (var pieces in Splits(response))
        {
            var parser = NewParser();

            var (result, consumed, left) = Feed(parser, pieces);

            Assert.Equal(FastHttpParse.Done, result);
            Assert.Equal(response.Length, consumed);
            Assert.Equal(0, left);
            Assert.Equal(status, parser.StatusCode);
            Assert.True(parser.KeepAlive);
        }
    }

    [Fact]
    public void Should_stop_at_the_end_of_the_response_and_leave_the_bytes_after_it()
    {
        var parser = NewParser();

        var (result, consumed, left) = FeedWhole(parser, ContentLength + "HTTP/1.1 200 OK\r\n");

        Assert.Equal(FastHttpParse.Done, result);
        Assert.Equal(ContentLength.Length, consumed);
        Assert.Equal(17, left);
    }

    [Fact]
    public void Should_be_reusable_for_the_next_response_after_reset()
    {
        var parser = NewParser();
        Assert.Equal(FastHttpParse.Done, FeedWhole(parser, Chunked).Result);

        parser.Reset(head: false);

        Assert.Equal(FastHttpParse.Done, FeedWhole(parser, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n").Result);
        Assert.Equal(404, parser.StatusCode);
    }

    [Theory]
    [InlineData("HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n", false, 204)]
    [InlineData("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n", false, 304)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", true, 200)]
    [InlineData("HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n", true, 404)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false, 200)]
    [InlineData("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", false, 200)]
    public void Should_end_a_response_without_a_body_at_its_headers(string response, bool head, int status)
    {
        var parser = NewParser(head);

        var (result, consumed, _) = FeedWhole(parser, response);

        Assert.Equal(FastHttpParse.Done, result);
        Assert.Equal(response.Length, consumed);
        Assert.Equal(status, parser.StatusCode);
        Assert.True(parser.KeepAlive);
    }

    [Fact]
    public void Should_end_a_101_response_at_its_headers_and_not_reuse_the_connection()
    {
        var parser = NewParser();

        Assert.Equal(FastHttpParse.Done, FeedWhole(parser, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n").Result);
        Assert.Equal(101, parser.StatusCode);
        Assert.False(parser.KeepAlive);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\n\r\nbody", true)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nbody", true)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nbody", false)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nbody\r\n", false)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Le", false)]
    public void Should_complete_only_a_close_delimited_body_when_the_connection_ends(string response, bool completes)
    {
        var parser = NewParser();

        Assert.Equal(FastHttpParse.NeedMore, FeedWhole(parser, response).Result);

        Assert.Equal(completes, parser.CompleteAtEndOfStream());
        if (completes) Assert.False(parser.KeepAlive);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", false)]
    [InlineData("HTTP/1.1 200 OK\r\nConnection: Keep-Alive, CLOSE\r\nContent-Length: 0\r\n\r\n", false)]
    [InlineData("HTTP/1.1 200 OK\r\nconnection: keep-alive\r\nContent-Length: 0\r\n\r\n", true)]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false)]
    [InlineData("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", true)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", false)]
    [InlineData("HTTP/1.1 200 OK\nContent-Length: 2\n\nok", true)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n\r\nok", true)]
    [InlineData("HTTP/1.1 200 OK\r\nX-Folded: a\r\n  b\r\nContent-Length: 0\r\n\r\n", true)]
    public void Should_tell_whether_the_connection_may_be_reused(string response, bool keepAlive)
    {
        var parser = NewParser();

        var (result, consumed, _) = FeedWhole(parser, response);

        Assert.Equal(FastHttpParse.Done, result);
        Assert.Equal(response.Length, consumed);
        Assert.Equal(keepAlive, parser.KeepAlive);
    }

    [Theory]
    [InlineData("HTTP/1.1 2OO OK\r\n\r\n")]
    [InlineData("HTTP/1.1 99 Low\r\n\r\n")]
    [InlineData("HTTP/1.1 2000 OK\r\n\r\n")]
    [InlineData("HTTP/1.1  200 OK\r\n\r\n")]
    [InlineData("HTTP/2 200 OK\r\n\r\n")]
    [InlineData("HTTP/1.x 200 OK\r\n\r\n")]
    [InlineData("http/1.1 200 OK\r\n\r\n")]
    [InlineData("\r\nHTTP/1.1 200 OK\r\n\r\n")]
    [InlineData("SSH-2.0-OpenSSH_9.2\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 1e3\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 2, 3\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\n: no name\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nno colon\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n 3\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nx\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n;ext\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4x\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokX\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\rX")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nbad trailer\r\n\r\n")]
    public void Should_reject_a_malformed_response(string response)
    {
        foreach (var pieces in Splits(response))
        {
            var parser = NewParser();

            Assert.Equal(FastHttpParse.Malformed, Feed(parser, pieces).Result);
        }
    }

    [Fact]
    public void Should_reject_headers_over_the_limit_even_without_a_line_end()
    {
        var parser = NewParser();
        var head = "HTTP/1.1 200 OK\r\nX-Big: " + new string('a', FastHttpResponseParser.MaxHeaderBytes);

        Assert.Equal(FastHttpParse.TooLarge, FeedWhole(parser, head).Result);
    }

    [Fact]
    public void Should_skip_a_large_body_without_holding_it()
    {
        var parser = NewParser();
        Assert.Equal(FastHttpParse.NeedMore, FeedWhole(parser, "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n").Result);
        var piece = new byte[65536];
        var total = 0;
        FastHttpParse result;
        do
        {
            var size = Math.Min(piece.Length, 1_000_000 - total);
            result = parser.Parse(piece.AsSpan(0, size), out var consumed);
            Assert.Equal(size, consumed);
            total += consumed;
        }
        while (result == FastHttpParse.NeedMore);

        Assert.Equal(FastHttpParse.Done, result);
        Assert.Equal(1_000_000, total);
    }
}
