using System.Collections.Concurrent;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using PerfCluster.Target.Grpc;

namespace PerfCluster.Target;

/// <summary>
/// The demo target's gRPC service (<c>hocon/protos/demo.proto</c>), served on its h2c and https ports. It counts the
/// calls it received per method (<see cref="Calls"/>, <c>grpc</c> in <c>/__stats</c>) and the stream messages it sent,
/// so tests compare what a run says it did with what the server saw. <c>NotServed</c> is declared and not implemented:
/// its calls end UNIMPLEMENTED.
/// </summary>
public sealed class GreeterService(GrpcCounts counts) : Greeter.GreeterBase
{
    public override Task<HelloReply> SayHello(HelloRequest request, ServerCallContext context)
    {
        var served = counts.Count("SayHello");
        var reply = new HelloReply
        {
            Message = string.Join(", ", Enumerable.Repeat($"Hello, {request.Name}", Math.Clamp(request.Times, 1, 100))),
            Served = served,
            At = Timestamp.FromDateTime(DateTime.UtcNow),
        };
        reply.Tags.AddRange(request.Tags);
        return Task.FromResult(reply);
    }

    public override async Task Countdown(CountdownRequest request, IServerStreamWriter<CountdownReply> stream, ServerCallContext context)
    {
        counts.Count("Countdown");
        for (var n = Math.Clamp(request.From, 0, 100_000); n >= 1; n--)
        {
            if (request.IntervalMs > 0) await Task.Delay(request.IntervalMs, context.CancellationToken);
            await stream.WriteAsync(new CountdownReply { N = n, Last = n == 1 }, context.CancellationToken);
            counts.Streamed();
        }
    }

    public override Task<HelloReply> Fail(FailRequest request, ServerCallContext context)
    {
        counts.Count("Fail");
        throw new RpcException(new Status((StatusCode)Math.Clamp(request.Code, 0, 16), request.Detail));
    }
}

/// <summary>The gRPC calls the demo target received, by method, and the stream messages it sent.</summary>
public sealed class GrpcCounts
{
    private readonly ConcurrentDictionary<string, long> _calls = new();
    private long _streamed;

    public IReadOnlyDictionary<string, long> Calls => _calls.ToDictionary(kv => kv.Key, kv => kv.Value);
    public long StreamedMessages => Interlocked.Read(ref _streamed);

    public long Count(string method) => _calls.AddOrUpdate(method, 1, (_, n) => n + 1);
    public void Streamed() => Interlocked.Increment(ref _streamed);

    public object Stats => new { calls = Calls, streamed = StreamedMessages };

    public void Reset()
    {
        _calls.Clear();
        Interlocked.Exchange(ref _streamed, 0);
    }
}
