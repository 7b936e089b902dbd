using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using PerfCluster.Core.Scenarios;
using Akka.Actor;
using Akka.Serialization;
using SerializationException = System.Runtime.Serialization.SerializationException;
using PerfCluster.Core.Coordination;

namespace PerfCluster.Engine.Serialization;

/// <summary>
/// Serializes every <see cref="IClusterMessage"/> as System.Text.Json with the type name as manifest.
/// Only types that implement the marker interface are ever instantiated from the wire; actor
/// references travel as their full remote paths. Interface-typed collections (IReadOnlyList, ...)
/// come back as their ordinary implementations, whatever concrete type was sent.
/// </summary>
public sealed class ClusterMessageSerializer : SerializerWithStringManifest
{
    public const int Id = 4711;

    private readonly JsonSerializerOptions _options;
    private static readonly ConcurrentDictionary<string, Type> Types = new();

    public ClusterMessageSerializer(ExtendedActorSystem system) : base(system)
    {
        _options = new JsonSerializerOptions
        {
            // A scenario crosses nodes in its one written form (ScenarioJson), read back by the scenario loader.
            Converters = { new ActorRefConverter(system), new ScenarioJson.Converter(secrets: true) },
            IncludeFields = false,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        };
    }

    public override int Identifier => Id;

    public override string Manifest(object o) => $"{o.GetType().FullName}, {o.GetType().Assembly.GetName().Name}";

    public override byte[] ToBinary(object obj)
    {
        if (obj is not IClusterMessage)
            throw new ArgumentException($"{obj.GetType()} is not a cluster message", nameof(obj));
        return JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), _options);
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        var type = Types.GetOrAdd(manifest, m =>
        {
            var t = Type.GetType(m, throwOnError: false);
            if (t is null || !typeof(IClusterMessage).IsAssignableFrom(t))
                throw new SerializationException($"'{m}' is not a PerfCluster cluster message");
            return t;
        });
        return JsonSerializer.Deserialize(bytes, type, _options)
               ?? throw new SerializationException($"empty payload for {manifest}");
    }

    private sealed class ActorRefConverter(ExtendedActorSystem system) : JsonConverter<IActorRef>
    {
        public override IActorRef Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var path = reader.GetString();
            return path is null ? ActorRefs.Nobody : system.Provider.ResolveActorRef(path);
        }

        public override void Write(Utf8JsonWriter writer, IActorRef value, JsonSerializerOptions options) =>
            writer.WriteStringValue(Akka.Serialization.Serialization.SerializedActorPath(value));
    }
}
