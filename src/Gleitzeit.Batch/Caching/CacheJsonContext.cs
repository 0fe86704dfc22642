using System.Text.Json.Serialization;

namespace Gleitzeit.Batch.Caching;

/// <summary>Source-generated serializers for cache entries and the cache's own small files.</summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    NewLine = "\n",
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(CacheEntry))]
[JsonSerializable(typeof(ModelMemo))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class CacheJsonContext : JsonSerializerContext;
