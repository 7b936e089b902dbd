using System.Net;
using System.Text;
using PerfCluster.Core.Scenarios;

namespace PerfCluster.Engine.Drivers;

/// <summary>
/// One endpoint's HTTP/1.1 request, encoded once: request line, Host, the endpoint's headers,
/// Content-Length and body, exactly the bytes written to the socket for every request.
/// </summary>
internal sealed class FastHttpRequest
{
    private static readonly HashSet<string> ContentHeaderNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "Content-Type", "Content-Encoding", "Content-Language", "Content-MD5", "Content-Disposition", "Content-Range",
    };

    /// <summary>Methods SocketsHttpHandler sends without "Content-Length: 0" when there is no body.</summary>
    private static readonly HashSet<string> BodylessMethods = new(StringComparer.OrdinalIgnoreCase)
    {
        "GET", "HEAD", "CONNECT", "OPTIONS", "DELETE",
    };

    private FastHttpRequest(byte[] bytes, bool head, long maxBody)
    {
        Bytes = bytes;
        IsHead = head;
        MaxBody = maxBody;
    }

    /// <summary>The most body bytes its answer may have (<c>http.max-response-size</c>; 0: no limit).</summary>
    public long MaxBody { get; }

    public byte[] Bytes { get; }

    /// <summary>A HEAD request: its response never has a body, whatever its headers say.</summary>
    public bool IsHead { get; }

    /// <summary>
    /// Why <paramref name="endpoint"/> cannot be sent over a connection to <paramref name="target"/>'s
    /// origin by this engine, or null when it can.
    /// </summary>
    public static string? Unsupported(Uri target, EndpointDefinition endpoint)
    {
        if (!Uri.TryCreate(target, endpoint.Path, out var uri))
            return $"endpoint '{endpoint.Name}': '{endpoint.Path}' is not a valid path";
        if (uri.Scheme != Uri.UriSchemeHttp)
            return $"endpoint '{endpoint.Name}': only http:// is supported, not {uri.Scheme}://";
        if (!string.Equals(uri.IdnHost, target.IdnHost, StringComparison.OrdinalIgnoreCase) || uri.Port != target.Port)
            return $"endpoint '{endpoint.Name}' goes to {uri.Authority}, not to the target {target.Authority}";
        if (endpoint.Method.Length == 0 || !endpoint.Method.All(IsTokenChar))
            return $"endpoint '{endpoint.Name}': '{endpoint.Method}' is not an HTTP method";
        foreach (var (name, value) in endpoint.Headers)
        {
            if (name.Length == 0 || !name.All(IsTokenChar))
                return $"endpoint '{endpoint.Name}': '{name}' is not a valid header name";
            if (value.Any(c => c > '\x7e' || (c < ' ' && c != '\t')))
                return $"endpoint '{endpoint.Name}': header '{name}' has a value that is not printable ASCII";
            if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
                return $"endpoint '{endpoint.Name}': a Transfer-Encoding request header is not supported";
        }
        return null;
    }

    /// <summary>Encodes <paramref name="endpoint"/>; call <see cref="Unsupported"/> first.</summary>
    public static FastHttpRequest Encode(Uri target, EndpointDefinition endpoint, long maxBody = 0)
    {
        var uri = new Uri(target, endpoint.Path);
        var body = endpoint.Body is null ? null : Encoding.UTF8.GetBytes(endpoint.Body);
        var text = new StringBuilder(256);
        text.Append(endpoint.Method).Append(' ').Append(uri.PathAndQuery).Append(" HTTP/1.1\r\n");

        var host = endpoint.Headers.FirstOrDefault(h => h.Key.Equals("Host", StringComparison.OrdinalIgnoreCase)).Value ?? HostHeader(uri);
        text.Append("Host: ").Append(host).Append("\r\n");
        foreach (var (name, value) in endpoint.Headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase) || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                continue;
            // As with HttpDriver, content headers only go out with a body.
            if (body is null && ContentHeaderNames.Contains(name)) continue;
            text.Append(name).Append(": ").Append(value.Trim(' ', '\t')).Append("\r\n");
        }
        if (body is not null) text.Append("Content-Length: ").Append(body.Length).Append("\r\n");
        else if (!BodylessMethods.Contains(endpoint.Method)) text.Append("Content-Length: 0\r\n");
        text.Append("\r\n");

        var head = Encoding.ASCII.GetByteCount(text.ToString());
        var bytes = new byte[head + (body?.Length ?? 0)];
        Encoding.ASCII.GetBytes(text.ToString(), bytes);
        body?.CopyTo(bytes, head);
        return new FastHttpRequest(bytes, endpoint.Method.Equals("HEAD", StringComparison.OrdinalIgnoreCase), maxBody);
    }

    /// <summary>The Host header of <paramref name="uri"/>: host (bracketed when IPv6) and the port unless it is 80.</summary>
    public static string HostHeader(Uri uri)
    {
        var host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host : uri.IdnHost;
        return uri.IsDefaultPort ? host : $"{host}:{uri.Port}";
    }

    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c);
}

/// <summary>The addresses a target's host name stands for, in the order to try them, each as a socket address.</summary>
internal sealed class FastHttpTarget(IPAddress[] addresses, int port)
{
    public IPAddress[] Addresses { get; } = addresses;
    public byte[][] SocketAddresses { get; } = addresses.Select(a => FastHttpNative.SocketAddress(a, port)).ToArray();
}
