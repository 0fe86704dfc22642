using System.Text.Json.Serialization;
using Gleitzeit.Batch.Caching;
using Gleitzeit.Batch.Results;

namespace Gleitzeit.Batch.Serialization;

/// <summary>Source-generated serializers for the files Gleitzeit writes (no reflection at start-up).</summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    NewLine = "\n",
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(BatchRecord))]
[JsonSerializable(typeof(CacheEntry))]
[JsonSerializable(typeof(ItemResult))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(string[][]))]
internal sealed partial class GleitzeitJsonContext : JsonSerializerContext;
