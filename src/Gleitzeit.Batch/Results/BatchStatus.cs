using System.Text.Json.Serialization;

namespace Gleitzeit.Batch.Results;

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

    /// <summary>Ended with items in remote batches of the Batch API: <c>batch-resume</c> (or the same run again) collects them.</summary>
    [JsonStringEnumMemberName("submitted")]
    Submitted,
}
