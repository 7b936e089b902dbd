using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Akka.Configuration;
using Microsoft.AspNetCore.Http;

namespace PerfCluster.Api;

/// <summary>
/// What stands between a client and the API besides the allow-list: the bearer token, compared in constant time;
/// a limit on failed attempts per client address, after which it gets 429 until its window passes, whatever it
/// sends; and the headers that keep the dashboard from being framed, sniffed or made to run anyone else's script.
/// </summary>
public sealed class ApiGuard : IDisposable
{
    private readonly byte[]? _tokenHash;
    private readonly PartitionedRateLimiter<IPAddress> _failures;

    public ApiGuard(string? token, int failureLimit, TimeSpan failureWindow)
    {
        _tokenHash = token is null ? null : SHA256.HashData(Encoding.UTF8.GetBytes(token));
        FailureLimit = failureLimit;
        FailureWindow = failureWindow;
        _failures = PartitionedRateLimiter.Create<IPAddress, IPAddress>(address => RateLimitPartition.GetFixedWindowLimiter(address,
            _ => new FixedWindowRateLimiterOptions { PermitLimit = failureLimit, Window = failureWindow, QueueLimit = 0, AutoReplenishment = true }));
    }

    public int FailureLimit { get; }
    public TimeSpan FailureWindow { get; }
    public bool RequiresToken => _tokenHash is not null;

    /// <summary><c>perfcluster.api.auth-failure-limit</c> and <c>auth-failure-window</c>.</summary>
    public static ApiGuard From(Config config, string? token)
    {
        var limit = config.GetInt("perfcluster.api.auth-failure-limit", 10);
        var window = config.GetTimeSpan("perfcluster.api.auth-failure-window", TimeSpan.FromMinutes(1));
        if (limit < 1) throw new FormatException($"perfcluster.api.auth-failure-limit must be at least 1 (got {limit})");
        if (window <= TimeSpan.Zero) throw new FormatException($"perfcluster.api.auth-failure-window must be positive (got {window})");
        return new ApiGuard(token, limit, window);
    }

    /// <summary>
    /// Whether the token matches. Both sides are hashed first, so the comparison takes the same time whatever was sent,
    /// its length included.
    /// </summary>
    public bool Matches(string? given) =>
        _tokenHash is not null && !string.IsNullOrEmpty(given)
        && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), _tokenHash);

    /// <summary>The client used up its failed attempts for this window.</summary>
    public bool LockedOut(IPAddress client) => _failures.GetStatistics(client) is { CurrentAvailablePermits: <= 0 };

    /// <summary>Counts a failed attempt; false once the client has no attempt left in this window.</summary>
    public bool Fail(IPAddress client)
    {
        using var lease = _failures.AttemptAcquire(client);
        return lease.IsAcquired;
    }

    /// <summary>The headers every answer gets; the dashboard page also gets its content security policy.</summary>
    public static void AddHeaders(HttpContext ctx)
    {
        var headers = ctx.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        if (ctx.Request.IsHttps) headers.StrictTransportSecurity = "max-age=31536000";
        if (ctx.Request.Path.StartsWithSegments("/api")) headers.CacheControl = "no-store";
    }

    public void Dispose() => _failures.Dispose();
}
