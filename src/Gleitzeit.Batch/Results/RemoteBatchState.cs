using System.Text.Json.Serialization;

namespace Gleitzeit.Batch.Results;

/// <summary>A remote batch of the Batch API as a batch record shows it: where it stands and its counts, when last seen.</summary>
public sealed class RemoteBatchState
{
    [JsonPropertyName("status")]
    public required string Status { get; set; }

    /// <summary>Requests in it, as the service counts them (before it has validated them, as many as were submitted).</summary>
    [JsonPropertyName("total")]
    public int Total { get; set; }

    [JsonPropertyName("completed")]
    public int Completed { get; set; }

    [JsonPropertyName("failed")]
    public int Failed { get; set; }

    /// <summary>Whether its answers have been collected into the cache.</summary>
    [JsonPropertyName("collected")]
    public bool Collected { get; set; }

    [JsonPropertyName("seen_at")]
    public DateTimeOffset SeenAt { get; set; }
}
