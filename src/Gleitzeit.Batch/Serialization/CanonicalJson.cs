using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gleitzeit.Batch.Serialization;

/// <summary>
/// The one encoding cache keys are hashed over: object keys sorted ordinally, numbers in invariant
/// round-trip form (so <c>0.70</c> and <c>0.7</c> are the same option), no insignificant white space.
/// </summary>
public static class CanonicalJson
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    // Each key is encoded twice per item (when keyed, when stored): one buffer and writer per thread, not a growing
    // buffer, a writer and a copy per encoding.
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>The canonical UTF-8 bytes of a node.</summary>
    public static byte[] Encode(JsonNode? node)
    {
        var bytes = Fill(node).WrittenSpan.ToArray();
        Shrink();
        return bytes;
    }

    /// <summary>Lower-case hex SHA-256 of a node's canonical bytes.</summary>
    public static string Sha256Hex(JsonNode? node)
    {
        var hash = Hashes.Sha256Hex(Fill(node).WrittenSpan);
        Shrink();
        return hash;
    }

    private static ArrayBufferWriter<byte> Fill(JsonNode? node)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer, WriterOptions);
        writer.Reset(buffer);
        Write(writer, node);
        writer.Flush();
        return buffer;
    }

    // A large format schema or option set does not keep its buffer for the thread's life.
    private static void Shrink()
    {
        if (t_buffer is { Capacity: > 1 << 16 })
        {
            t_buffer = null;
            t_writer = null;
        }
    }

    /// <summary>A canonical deep copy of a node (sorted keys, normalised numbers).</summary>
    public static JsonNode? Normalize(JsonNode? node) => node is null ? null : JsonNode.Parse(Encode(node));

    private static void Write(Utf8JsonWriter writer, JsonNode? node)
    {
        switch (node)
        {
            case null:
                writer.WriteNullValue();
                break;
            case JsonObject obj:
                writer.WriteStartObject();
                var properties = new KeyValuePair<string, JsonNode?>[obj.Count];
                ((ICollection<KeyValuePair<string, JsonNode?>>)obj).CopyTo(properties, 0);
                Array.Sort(properties, (a, b) => string.CompareOrdinal(a.Key, b.Key));
                foreach (var (name, child) in properties)
                {
                    writer.WritePropertyName(name);
                    Write(writer, child);
                }

                writer.WriteEndObject();
                break;
            case JsonArray array:
                writer.WriteStartArray();
                // By index: the array's enumerator is boxed.
                for (var i = 0; i < array.Count; i++)
                {
                    Write(writer, array[i]);
                }

                writer.WriteEndArray();
                break;
            case JsonValue value:
                WriteValue(writer, value);
                break;
            default:
                throw new NotSupportedException(node.GetType().Name);
        }
    }

    private static void WriteValue(Utf8JsonWriter writer, JsonValue value)
    {
        var element = value.GetValueKind();
        switch (element)
        {
            case JsonValueKind.Number:
                var number = double.Parse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);
                writer.WriteRawValue(number.ToString("R", CultureInfo.InvariantCulture), skipInputValidation: true);
                break;
            case JsonValueKind.True:
            case JsonValueKind.False:
                writer.WriteBooleanValue(element == JsonValueKind.True);
                break;
            case JsonValueKind.String:
                writer.WriteStringValue(value.GetValue<string>());
                break;
            default:
                value.WriteTo(writer);
                break;
        }
    }
}
