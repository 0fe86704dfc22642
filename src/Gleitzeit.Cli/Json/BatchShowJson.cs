using System.Text.Json.Nodes;

namespace Gleitzeit.Cli.Json;

/// <summary><c>gleitzeit batch-show ID --json</c>: the batch, its parameters, and every item by path.</summary>
/// <param name="ErrorCode">The GZ code of the error that stopped the batch, or null.</param>
internal sealed record BatchShowJson(
    BatchJson Batch,
    JsonObject Parameters,
    string? ErrorCode,
    string? Error,
    IReadOnlyList<ItemJson> Items);

/// <summary>One item of <c>batch-show --json</c>.</summary>
/// <param name="Status">success, failed, skipped, or pending (not run yet).</param>
/// <param name="ProcessingTime">Seconds, null while pending.</param>
/// <param name="Result">The whole answer of a successful item, else null.</param>
internal sealed record ItemJson(
    string File,
    string Status,
    bool Cached,
    double? ProcessingTime,
    string? Model,
    string? Result,
    string? ErrorCode,
    string? Error,
    Gleitzeit.Batch.Review.ItemChecks? Checks = null);
