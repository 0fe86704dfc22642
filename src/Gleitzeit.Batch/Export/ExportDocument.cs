using System.Globalization;
using System.Text.Json.Nodes;
using Gleitzeit.Batch.Results;

namespace Gleitzeit.Batch.Export;

/// <summary>What an export shows: the batch id, date, parameters and results ordered by path.</summary>
/// <param name="BatchId">The batch id, or for build artifacts the batch name (no timestamp).</param>
/// <param name="Date">When the batch ran; null for build artifacts, which must not vary between runs.</param>
/// <param name="Parameters">Prompt, model, directory… in order.</param>
/// <param name="Results">Item results, ordered by path.</param>
public sealed record ExportDocument(string BatchId, DateTimeOffset? Date, JsonObject Parameters, IReadOnlyList<ItemResult> Results)
{
    /// <summary>What produced a build or <c>--output</c> artifact (prompts, models, digests, options); with it each result carries its model and cache key, and the JSON is the next run's lockfile.</summary>
    public Provenance? Provenance { get; init; }
    public int Successful => Results.Count(r => r.Status == ItemResult.Success);

    public int Failed => Results.Count(r => r.Status == ItemResult.Failed);

    public int Skipped => Results.Count(r => r.Status == ItemResult.Skipped);

    /// <summary>Sum of the items' processing times: a pure function of the results, unlike wall time.</summary>
    public double ProcessingTime => Math.Round(Results.Sum(r => r.ProcessingTime), 3);

    /// <summary>The export of a batch record as <c>batch-export</c> shows it.</summary>
    public static ExportDocument FromRecord(BatchRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new ExportDocument(record.BatchId, record.CreatedAt, record.Plan.ExportParameters, [.. record.Results.Values]);
    }

    /// <summary>
    /// The reviewable build artifact of a batch: named by the batch's name, no date, and only what the
    /// inputs and cached results determine, so an unchanged rebuild writes the same bytes (a failed or skipped item's
    /// time is 0; a model given as a URL is named by its file name).
    /// </summary>
    /// <param name="root">The project directory items' OutputFiles are named relative to (null: they are left out).</param>
    public static ExportDocument ForArtifact(string name, JsonObject parameters, IEnumerable<ItemResult> results, Provenance? provenance = null, string? root = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(results);
        return new(name, null, ArtifactResult.Parameters(parameters), [.. results.Select(r => ArtifactResult.Of(r, root)).OrderBy(r => r.File, StringComparer.Ordinal)]) { Provenance = provenance };
    }

    /// <summary>Prompt and answer tokens over every result (cached ones as recorded).</summary>
    public (long Prompt, long Completion) Tokens => (Results.Sum(r => (long)(r.Tokens?.Prompt ?? 0)), Results.Sum(r => (long)(r.Tokens?.Completion ?? 0)));

    /// <summary>Seconds as the seed layouts print them: <c>2.3</c>, <c>0.0</c>.</summary>
    public static string Seconds(double value)
    {
        var rounded = Math.Round(value, 3);
        var text = rounded.ToString("R", CultureInfo.InvariantCulture);
        return text.Contains('.', StringComparison.Ordinal) || text.Contains('E', StringComparison.Ordinal) ? text : text + ".0";
    }
}
