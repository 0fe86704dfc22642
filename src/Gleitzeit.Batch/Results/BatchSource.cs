using System.Text.Json.Serialization;

namespace Gleitzeit.Batch.Results;

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

/// <summary>Where a batch record stands.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<BatchStatus>))]
public enum BatchStatus
{
    /// <summary>Running, or killed while running: its journal holds what completed.</summary>
    [JsonStringEnumMemberName("running")]
    Running,

    [JsonStringEnumMemberName("completed")]
    Completed,

    /// <summary>Stopped by a batch-wide error (model missing, server unreachable).</summary>
    [JsonStringEnumMemberName("aborted")]
    Aborted,

    [JsonStringEnumMemberName("cancelled")]
    Cancelled,
}
