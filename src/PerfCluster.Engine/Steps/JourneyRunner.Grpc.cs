using System.Diagnostics;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using PerfCluster.Core.Metrics;
using PerfCluster.Core.Steps;
using PerfCluster.Engine.Drivers;
using PerfCluster.Engine.Grpc;
using GrpcCore = global::Grpc.Core;

namespace PerfCluster.Engine.Steps;

/// <summary>The grpc step: a unary or server-streaming call with a JSON message, its status an error kind of its own.</summary>
public sealed partial class JourneyRunner
{
    private static readonly GrpcCore.Marshaller<byte[]> Bytes = GrpcCore.Marshallers.Create(b => b, b => b);

    /// <summary>What each grpc step needs at run time, made once: the method, its message types, whether its answer is read.</summary>
    private sealed record GrpcCall(GrpcCore.Method<byte[], byte[]> Method, MessageDescriptor Input, MessageDescriptor Output, bool ReadAnswer);

    private readonly Dictionary<Step, GrpcCall> _grpcCalls = new(ReferenceEqualityComparer.Instance);

    private void PrepareGrpc()
    {
        if (_journey.Grpc is not { } definition || !_journey.UsesGrpc) return;
        var contract = GrpcContracts.Compile(definition);
        foreach (var step in _journey.Series.OfType<GrpcStep>())
        {
            var m = step.Method;
            var method = new GrpcCore.Method<byte[], byte[]>(m.ServerStreaming ? GrpcCore.MethodType.ServerStreaming : GrpcCore.MethodType.Unary,
                m.Service, m.Name, Bytes, Bytes);
            _grpcCalls[step] = new GrpcCall(method, contract.Message(m.InputType), contract.Message(m.OutputType),
                step.Checks.Any(c => c.Kind is not CheckKind.LatencyUnder) || step.Extract.Count > 0);
        }
    }

    private async ValueTask<Flow> GrpcAsync(GrpcStep step, IterationState state)
    {
        var index = _requestIndex[step];
        var call = _grpcCalls[step];
        var vars = state.User.Variables;
        var intended = state.TakeIntendedStart();
        if (step.Message.Render(vars, out _) is not { } json || !TryRender(step.Metadata, vars, out var metadata))
            return Fail(index, intended, ErrorKind.MissingVariable, state);
        byte[] request;
        try
        {
            request = CompiledContract.Encode(call.Input, json);
        }
        catch (Exception e) when (e is InvalidJsonException or InvalidProtocolBufferException or FormatException)
        {
            return Fail(index, intended, ErrorKind.BadMessage, state);
        }

        var headers = new GrpcCore.Metadata();
        foreach (var (name, value) in metadata) headers.Add(name, value);
        var timeout = step.Timeout ?? _timeout;
        var start = Stopwatch.GetTimestamp();
        var lane = _http.GrpcLaneFor(vars.Vu);
        var entered = false;
        ErrorKind? error = null;
        int code;
        string? detail = null;
        var answers = new List<byte[]>(call.Method.Type == GrpcCore.MethodType.Unary ? 1 : 8);
        GrpcCore.Metadata? responseHeaders = null;
        try
        {
            if (!(entered = await lane.EnterAsync(timeout, state.Abandon).ConfigureAwait(false)))
                return Fail(index, intended, ErrorKind.Timeout, state, start);
            var options = new GrpcCore.CallOptions(headers, DateTime.UtcNow + timeout, state.Abandon);
            if (call.Method.Type == GrpcCore.MethodType.Unary)
            {
                using var unary = lane.Invoker.AsyncUnaryCall(call.Method, null, options, request);
                answers.Add(await unary.ResponseAsync.ConfigureAwait(false));
                if (call.ReadAnswer) responseHeaders = await unary.ResponseHeadersAsync.ConfigureAwait(false);
            }
            else
            {
                using var stream = lane.Invoker.AsyncServerStreamingCall(call.Method, null, options, request);
                while (await stream.ResponseStream.MoveNext(state.Abandon).ConfigureAwait(false)) answers.Add(stream.ResponseStream.Current);
                if (call.ReadAnswer) responseHeaders = await stream.ResponseHeadersAsync.ConfigureAwait(false);
            }
            code = 0;
        }
        catch (GrpcCore.RpcException) when (state.Abandon.IsCancellationRequested)
        {
            _recorder.RecordAbandoned();
            return Flow.Abandoned;
        }
        catch (OperationCanceledException) when (state.Abandon.IsCancellationRequested)
        {
            _recorder.RecordAbandoned();
            return Flow.Abandoned;
        }
        catch (GrpcCore.RpcException e)
        {
            code = (int)e.StatusCode;
            detail = e.Status.Detail;
            if (!step.ExpectCodes.Contains(code)) error = KindOf(e);
        }
        finally
        {
            if (entered) lane.Slots.Release();
        }
        if (code == 0 && !step.ExpectCodes.Contains(0)) error = ErrorKind.UnexpectedStatus;
        var end = Stopwatch.GetTimestamp();

        if (error is null && (step.Extract.Count > 0 || step.Checks.Count > 0))
        {
            var body = code == 0 ? Answer(call, answers) : System.Text.Json.JsonSerializer.Serialize(new { status = GrpcCodes.Names[code], detail });
            var metadataHeaders = responseHeaders?.Where(h => !h.IsBinary).Select(h => new KeyValuePair<string, string>(h.Key, h.Value)).ToList() ?? [];
            using var view = new ResponseView(code, body, metadataHeaders, Stopwatch.GetElapsedTime(start, end));
            error = ExtractAndCheck(view, step.Extract, step.Checks, vars);
        }
        else if (error is not null)
        {
            foreach (var check in step.Checks) _recorder.RecordCheck(_checkIndex[check.Name], false);
        }
        _recorder.Record(index, intended, start, end, error);
        if (error is not null) state.Failed = true;
        return Flow.Next;
    }

    /// <summary>The answer as JSON: the message (unary), or an array of every message (a server stream).</summary>
    private static string Answer(GrpcCall call, List<byte[]> answers)
    {
        if (call.Method.Type == GrpcCore.MethodType.Unary) return CompiledContract.Decode(call.Output, answers[0]);
        var json = new StringBuilder("[");
        for (var i = 0; i < answers.Count; i++) json.Append(i > 0 ? "," : "").Append(CompiledContract.Decode(call.Output, answers[i]));
        return json.Append(']').ToString();
    }

    /// <summary>
    /// A status's error kind; a call that never reached the service (refused, reset, TLS, an HTTP/1.1-only server) is the
    /// transport's kind, as an HTTP request's is.
    /// </summary>
    private static ErrorKind KindOf(GrpcCore.RpcException e)
    {
        if (e.StatusCode is GrpcCore.StatusCode.Unavailable or GrpcCore.StatusCode.Internal or GrpcCore.StatusCode.Unknown
            && e.Status.DebugException is { } cause && HttpDriver.Classify(cause) is var transport && transport != ErrorKind.Other)
            return transport;
        return ErrorKinds.ForGrpcCode((int)e.StatusCode);
    }
}
