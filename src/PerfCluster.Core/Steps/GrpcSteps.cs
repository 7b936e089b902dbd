using System.Security.Cryptography;
using System.Text;
using PerfCluster.Core.Input;

namespace PerfCluster.Core.Steps;

/// <summary>
/// The scenario's gRPC contract (<c>grpc { protos = ["greeter.proto"] }</c>): its .proto files (every one it needs, by
/// import name, in <see cref="Protos"/>) compiled by protoc where the scenario is read, into the descriptors of every
/// file and the C# message classes protoc generates for them. Only the .proto texts travel with the scenario: a worker
/// runs protoc again and compiles its classes with Roslyn (cached by <see cref="Hash"/>), so no C# from a scenario is
/// ever compiled this way. The classes give each request and response Google.Protobuf's JSON mapping exactly.
/// </summary>
public sealed record GrpcDefinition(IReadOnlyList<ModuleSource> Protos, byte[] DescriptorSet, IReadOnlyList<ModuleSource> Generated)
{
    /// <summary>The methods the protos declare, by <c>package.Service/Method</c>.</summary>
    public required IReadOnlyDictionary<string, GrpcMethod> Methods { get; init; }

    /// <summary>SHA-256 over the generated classes: equal contract, equal assembly.</summary>
    public string Hash
    {
        get
        {
            var text = new StringBuilder();
            foreach (var s in Generated) text.Append(s.File).Append('\0').Append(s.Text).Append('\0');
            return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
        }
    }

    public bool Equals(GrpcDefinition? other) => other is not null && Protos.SequenceEqual(other.Protos) &&
        DescriptorSet.AsSpan().SequenceEqual(other.DescriptorSet) && Generated.SequenceEqual(other.Generated);

    public override int GetHashCode() => HashCode.Combine(Protos.Count, DescriptorSet.Length);
}

/// <summary>One method of a service: <see cref="Service"/> is the full name (<c>package.Service</c>), the types full names.</summary>
public sealed record GrpcMethod(string Service, string Name, string InputType, string OutputType, bool ClientStreaming, bool ServerStreaming)
{
    public string FullName => $"{Service}/{Name}";
}

/// <summary>
/// One gRPC call (<c>grpc { method = "pkg.Service/Method", message = """{"name": "{{user}}"}""" }</c>), unary or server
/// streaming, over HTTP/2 to the scenario's target. The request is a JSON template parsed into the method's input
/// message (Google.Protobuf's JSON mapping); the answer is the output message as JSON (a server stream: a JSON array of
/// every message), which extractors and checks read. Its series times the call from the send to the last message and
/// the trailers; a status other than <see cref="ExpectCodes"/> is an error of the status's own kind.
/// </summary>
public sealed record GrpcStep : SeriesStep
{
    public required GrpcMethod Method { get; init; }
    public required Template Message { get; init; }
    public IReadOnlyList<(string Name, Template Value)> Metadata { get; init; } = [];

    /// <summary>The call's deadline; null: <c>http.timeout</c>.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>The status codes that count as success (numbers: 0 = OK, 5 = NOT_FOUND, ...); OK unless set.</summary>
    public IReadOnlyList<int> ExpectCodes { get; init; } = [0];

    public IReadOnlyList<Extractor> Extract { get; init; } = [];
    public IReadOnlyList<Check> Checks { get; init; } = [];

    /// <summary>Where the message template is written (a message that does not fit its type is reported there).</summary>
    public SourcePosition? MessagePosition { get; init; }
}

/// <summary>gRPC's status codes by their names (<c>OK</c>, <c>NOT_FOUND</c>, ...), as a scenario writes them.</summary>
public static class GrpcCodes
{
    public static readonly string[] Names =
    [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
        "UNAUTHENTICATED",
    ];

    public static int? Parse(string text)
    {
        var name = text.Trim().ToUpperInvariant().Replace('-', '_');
        var index = Array.IndexOf(Names, name);
        if (index >= 0) return index;
        return int.TryParse(name, out var code) && code is >= 0 and <= 16 ? code : null;
    }
}
