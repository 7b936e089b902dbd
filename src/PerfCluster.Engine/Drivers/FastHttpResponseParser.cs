using System.Text;

namespace PerfCluster.Engine.Drivers;

internal enum FastHttpParse
{
    /// <summary>Everything given was consumed (or is an incomplete line left in place); more bytes are needed.</summary>
    NeedMore,
    /// <summary>The response is complete; bytes after it were not consumed.</summary>
    Done,
    /// <summary>Not a valid HTTP/1.x response: the connection cannot be used any more.</summary>
    Malformed,
    /// <summary>The headers passed <see cref="FastHttpResponseParser.MaxHeaderBytes"/>, or the body its limit: the connection is dropped.</summary>
    TooLarge,
}

/// <summary>
/// Incremental HTTP/1.x response parser for one connection. It is fed whatever arrived, consumes
/// complete lines and body bytes (bodies are skipped, never copied), and tells when the response is
/// over: by Content-Length, by chunked transfer coding (extensions and trailers skipped), by the
/// connection closing, or at once for responses that never have a body (HEAD, 1xx, 204, 304).
/// Interim 1xx responses are skipped; the final response's status is reported.
/// </summary>
internal sealed class FastHttpResponseParser
{
    /// <summary>Most bytes the status line and headers (and, separately, the trailers or one chunk-size line) may take.</summary>
    public const int MaxHeaderBytes = 64 * 1024;

    private enum State : byte { StatusLine, Headers, Body, ChunkSize, ChunkData, ChunkDataEnd, Trailers, UntilClose, Done }

    private State _state;
    private bool _head;
    private long _remaining;
    private int _headerBytes;
    private long _contentLength;
    private bool _transferEncoding;
    private bool _chunked;
    private bool _close;
    private bool _keepAlive;
    private bool _http10;
    private bool _lastHeaderFramesBody;
    private long _maxBody;
    private long _bodyBytes;

    /// <summary>The final response's status code once the status line is parsed.</summary>
    public int StatusCode { get; private set; }

    /// <summary>Once <see cref="FastHttpParse.Done"/>: whether the connection may carry another request.</summary>
    public bool KeepAlive { get; private set; }

    /// <summary>
    /// Starts a new response; <paramref name="head"/> when it answers a HEAD request. A body longer than
    /// <paramref name="maxBody"/> bytes (0: no limit) ends the parse with <see cref="FastHttpParse.TooLarge"/>.
    /// </summary>
    public void Reset(bool head, long maxBody = 0)
    {
        _head = head;
        _maxBody = maxBody;
        StartMessage();
    }

    private void StartMessage()
    {
        _state = State.StatusLine;
        _remaining = 0;
        _headerBytes = 0;
        _bodyBytes = 0;
        _contentLength = -1;
        _transferEncoding = _chunked = _close = _keepAlive = _http10 = _lastHeaderFramesBody = false;
        StatusCode = 0;
        KeepAlive = false;
    }

    /// <summary>
    /// The peer closed the connection: true when that completes the response (a body delimited by the
    /// close); false when the response was cut short.
    /// </summary>
    public bool CompleteAtEndOfStream()
    {
        if (_state != State.UntilClose) return _state == State.Done;
        _state = State.Done;
        KeepAlive = false;
        return true;
    }

    public FastHttpParse Parse(ReadOnlySpan<byte> data, out int consumed)
    {
        var pos = 0;
        var result = ParseCore(data, ref pos);
        consumed = pos;
        return result;
    }

    private FastHttpParse ParseCore(ReadOnlySpan<byte> data, ref int pos)
    {
        while (true)
        {
            ReadOnlySpan<byte> line;
            switch (_state)
            {
                case State.StatusLine:
                    if (!TryTakeLine(data, ref pos, out line)) return Incomplete(data.Length - pos);
                    if (_headerBytes > MaxHeaderBytes) return FastHttpParse.TooLarge;
                    if (!ParseStatusLine(line)) return FastHttpParse.Malformed;
                    _state = State.Headers;
                    break;

                case State.Headers:
                    if (!TryTakeLine(data, ref pos, out line)) return Incomplete(data.Length - pos);
                    if (_headerBytes > MaxHeaderBytes) return FastHttpParse.TooLarge;
                    if (line.Length == 0)
                    {
                        EndOfHeaders();
                        if (_maxBody > 0 && _state == State.Body && _remaining > _maxBody) return FastHttpParse.TooLarge;
                    }
                    else if (!ParseHeader(line))
                    {
                        return FastHttpParse.Malformed;
                    }
                    break;

                case State.Body:
                    if (!Skip(data, ref pos)) return FastHttpParse.NeedMore;
                    Finish();
                    break;

                case State.ChunkSize:
                    if (!TryTakeLine(data, ref pos, out line)) return Incomplete(data.Length - pos);
                    if (_headerBytes > MaxHeaderBytes || !ParseChunkSize(line, out var size)) return FastHttpParse.Malformed;
                    _headerBytes = 0;
                    if (size == 0)
                    {
                        _state = State.Trailers;
                    }
                    else
                    {
                        _remaining = size;
                        _state = State.ChunkData;
                    }
                    break;

                case State.ChunkData:
                    var done = Skip(data, ref pos);
                    if (_maxBody > 0 && _bodyBytes > _maxBody) return FastHttpParse.TooLarge;
                    if (!done) return FastHttpParse.NeedMore;
                    _state = State.ChunkDataEnd;
                    break;

                case State.ChunkDataEnd:
                    // Exactly CRLF (or a bare LF) after the chunk's data.
                    if (pos == data.Length) return FastHttpParse.NeedMore;
                    if (data[pos] == (byte)'\n')
                    {
                        pos++;
                    }
                    else if (data[pos] == (byte)'\r')
                    {
                        if (pos + 1 == data.Length) return FastHttpParse.NeedMore;
                        if (data[pos + 1] != (byte)'\n') return FastHttpParse.Malformed;
                        pos += 2;
                    }
                    else
                    {
                        return FastHttpParse.Malformed;
                    }
                    _state = State.ChunkSize;
                    break;

                case State.Trailers:
                    if (!TryTakeLine(data, ref pos, out line)) return Incomplete(data.Length - pos);
                    if (_headerBytes > MaxHeaderBytes) return FastHttpParse.TooLarge;
                    if (line.Length == 0)
                    {
                        Finish();
                    }
                    else if (line[0] is not ((byte)' ' or (byte)'\t') && line.IndexOf((byte)':') <= 0)
                    {
                        return FastHttpParse.Malformed;
                    }
                    break;

                case State.UntilClose:
                    _bodyBytes += data.Length - pos;
                    pos = data.Length;
                    return _maxBody > 0 && _bodyBytes > _maxBody ? FastHttpParse.TooLarge : FastHttpParse.NeedMore;

                default:
                    return FastHttpParse.Done;
            }
        }
    }

    /// <summary>A line not ended yet: past the limit, headers are too large, and a chunk-size line is not HTTP.</summary>
    private FastHttpParse Incomplete(int pending) =>
        _headerBytes + pending <= MaxHeaderBytes ? FastHttpParse.NeedMore
        : _state == State.ChunkSize ? FastHttpParse.Malformed
        : FastHttpParse.TooLarge;

    private bool TryTakeLine(ReadOnlySpan<byte> data, scoped ref int pos, out ReadOnlySpan<byte> line)
    {
        var length = data[pos..].IndexOf((byte)'\n');
        if (length < 0)
        {
            line = default;
            return false;
        }
        line = data.Slice(pos, length);
        if (line.Length > 0 && line[^1] == (byte)'\r') line = line[..^1];
        pos += length + 1;
        _headerBytes += length + 1;
        return true;
    }

    /// <summary>Skips up to <see cref="_remaining"/> body bytes; true when none remain.</summary>
    private bool Skip(ReadOnlySpan<byte> data, ref int pos)
    {
        var take = (int)Math.Min(_remaining, data.Length - pos);
        pos += take;
        _remaining -= take;
        _bodyBytes += take;
        return _remaining == 0;
    }

    /// <summary>"HTTP/1.x SP 3DIGIT [SP reason]".</summary>
    private bool ParseStatusLine(ReadOnlySpan<byte> line)
    {
        if (line.Length < 12 || !line.StartsWith("HTTP/1."u8) || !char.IsAsciiDigit((char)line[7]) || line[8] != (byte)' ')
            return false;
        if (!char.IsAsciiDigit((char)line[9]) || !char.IsAsciiDigit((char)line[10]) || !char.IsAsciiDigit((char)line[11]))
            return false;
        if (line.Length > 12 && line[12] != (byte)' ') return false;
        var status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
        if (status < 100) return false;
        StatusCode = status;
        _http10 = line[7] == (byte)'0';
        return true;
    }

    private bool ParseHeader(ReadOnlySpan<byte> line)
    {
        if (line[0] is (byte)' ' or (byte)'\t')
        {
            // Obsolete line folding continues the previous value: harmless unless that value frames the body.
            return !_lastHeaderFramesBody;
        }
        var colon = line.IndexOf((byte)':');
        if (colon <= 0 || line[colon - 1] is (byte)' ' or (byte)'\t') return false;
        var name = line[..colon];
        var value = Trim(line[(colon + 1)..]);
        _lastHeaderFramesBody = false;
        switch (name.Length)
        {
            case 14 when Ascii.EqualsIgnoreCase(name, "Content-Length"u8):
                _lastHeaderFramesBody = true;
                return ParseContentLength(value);
            case 17 when Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8):
                _lastHeaderFramesBody = true;
                _transferEncoding = true;
                // The body is chunked only when chunked is the final coding.
                var last = value.LastIndexOf((byte)',');
                _chunked = Ascii.EqualsIgnoreCase(Trim(value[(last + 1)..]), "chunked"u8);
                return true;
            case 10 when Ascii.EqualsIgnoreCase(name, "Connection"u8):
                while (!value.IsEmpty)
                {
                    var comma = value.IndexOf((byte)',');
                    var token = Trim(comma < 0 ? value : value[..comma]);
                    if (Ascii.EqualsIgnoreCase(token, "close"u8)) _close = true;
                    else if (Ascii.EqualsIgnoreCase(token, "keep-alive"u8)) _keepAlive = true;
                    value = comma < 0 ? default : value[(comma + 1)..];
                }
                return true;
            default:
                return true;
        }
    }

    /// <summary>One length, or a list of identical ones ("5, 5"); repeated headers must agree.</summary>
    private bool ParseContentLength(ReadOnlySpan<byte> value)
    {
        while (true)
        {
            var comma = value.IndexOf((byte)',');
            var item = Trim(comma < 0 ? value : value[..comma]);
            if (item.IsEmpty || item.Length > 18) return false;
            long length = 0;
            foreach (var b in item)
            {
                if (!char.IsAsciiDigit((char)b)) return false;
                length = length * 10 + (b - '0');
            }
            if (_contentLength >= 0 && _contentLength != length) return false;
            _contentLength = length;
            if (comma < 0) return true;
            value = value[(comma + 1)..];
        }
    }

    /// <summary>"1*HEXDIG [BWS] [; extensions]".</summary>
    private static bool ParseChunkSize(ReadOnlySpan<byte> line, out long size)
    {
        size = 0;
        var i = 0;
        for (; i < line.Length && char.IsAsciiHexDigit((char)line[i]); i++)
        {
            if (i == 15) return false;
            size = size * 16 + HexValue(line[i]);
        }
        if (i == 0) return false;
        while (i < line.Length && line[i] is (byte)' ' or (byte)'\t') i++;
        return i == line.Length || line[i] == (byte)';';
    }

    private static int HexValue(byte b) => b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;

    private void EndOfHeaders()
    {
        var status = StatusCode;
        if (status is >= 100 and < 200 && status != 101)
        {
            // An interim response (100 Continue, 103 Early Hints): the final one follows.
            StartMessage();
            return;
        }
        if (_head || status is 101 or 204 or 304)
        {
            Finish();
            if (status == 101) KeepAlive = false;
            return;
        }
        if (_transferEncoding)
        {
            _state = _chunked ? State.ChunkSize : State.UntilClose;
            _headerBytes = 0;
            return;
        }
        if (_contentLength > 0)
        {
            _remaining = _contentLength;
            _state = State.Body;
        }
        else if (_contentLength == 0)
        {
            Finish();
        }
        else
        {
            _state = State.UntilClose;
        }
    }

    private void Finish()
    {
        _state = State.Done;
        // Both Transfer-Encoding and Content-Length: the framing is suspect, so the connection is not reused.
        KeepAlive = !_close && (!_http10 || _keepAlive) && !(_transferEncoding && _contentLength >= 0);
    }

    private static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> s)
    {
        var start = 0;
        var end = s.Length;
        while (start < end && s[start] is (byte)' ' or (byte)'\t') start++;
        while (end > start && s[end - 1] is (byte)' ' or (byte)'\t') end--;
        return s[start..end];
    }
}
