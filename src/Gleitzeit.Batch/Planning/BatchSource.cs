using System.Text.Json.Serialization;

namespace Gleitzeit.Batch.Planning;

/// <summary>What started a batch; shown by <c>gleitzeit batch-list</c>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<BatchSource>))]
public enum BatchSource
{
    [JsonStringEnumMemberName("cli")]
    Cli,

    [JsonStringEnumMemberName("build")]
    Build,

    [JsonStringEnumMemberName("workflow")]
    Workflow,
}
