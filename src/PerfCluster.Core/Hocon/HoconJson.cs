using System.Text.Json;

namespace PerfCluster.Core.Hocon;

/// <summary>Writes a resolved HOCON value as JSON (which HOCON reads back as the same value).</summary>
public static class HoconJson
{
    public static void Write(Utf8JsonWriter json, HoconNode node)
    {
        switch (node)
        {
            case HoconObject obj:
                json.WriteStartObject();
                foreach (var field in obj.Fields)
                {
                    json.WritePropertyName(field.Key);
                    Write(json, field.Value);
                }
                json.WriteEndObject();
                break;
            case HoconArray array:
                json.WriteStartArray();
                foreach (var item in array.Items) Write(json, item);
                json.WriteEndArray();
                break;
            case HoconScalar { Kind: HoconScalarKind.Null }:
                json.WriteNullValue();
                break;
            case HoconScalar { Kind: HoconScalarKind.Boolean } b:
                json.WriteBooleanValue(b.Raw == "true");
                break;
            case HoconScalar { Kind: HoconScalarKind.Number } n:
                json.WriteRawValue(n.Raw);
                break;
            case HoconScalar s:
                json.WriteStringValue(s.Raw);
                break;
        }
    }
}
