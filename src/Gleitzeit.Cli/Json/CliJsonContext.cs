using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gleitzeit.Cli.Json;

/// <summary>
/// The source-generated serializer of what <c>--json</c> prints (<c>batch-list</c>, <c>batch-show</c>, <c>cache stats</c>):
/// snake_case like every other JSON Gleitzeit writes, indented, <c>\n</c> newlines, no escaping of non-ASCII text.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(BatchListJson))]
[JsonSerializable(typeof(BatchShowJson))]
[JsonSerializable(typeof(CacheStatsJson))]
internal sealed partial class CliJsonContext : JsonSerializerContext
{
    private static readonly CliJsonContext Output = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NewLine = "\n",
    });

    /// <summary>Writes <paramref name="value"/> as one JSON document and a newline.</summary>
    public static void Write<T>(TextWriter writer, T value, Func<CliJsonContext, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>> type)
    {
        writer.Write(JsonSerializer.Serialize(value, type(Output)));
        writer.Write('\n');
        writer.Flush();
    }
}
