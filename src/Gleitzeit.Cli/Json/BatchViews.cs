using System.Text.Json.Nodes;
using Gleitzeit.Batch.Results;

namespace Gleitzeit.Cli.Json;

/// <summary>A batch record as the <c>--json</c> outputs show it.</summary>
internal static class BatchViews
{
    public static BatchJson Of(BatchRecord record) => new(
        record.BatchId,
        record.CreatedAt,
        record.CompletedAt,
        record.Source.ToString().ToLowerInvariant(),
        record.Status.ToString().ToLowerInvariant(),
        record.Plan.Name,
        new BatchCountsJson(record.TotalFiles, record.Successful, record.Failed, record.Skipped, record.Cached, record.NotRun, record.Submitted),
        record.RemoteBatches.Count == 0 ? null : [.. record.RemoteBatches.Select(p => new RemoteBatchJson(p.Key, p.Value.Status, p.Value.Total, p.Value.Completed, p.Value.Failed, p.Value.Collected, p.Value.SeenAt))]);

    public static BatchShowJson Detail(BatchRecord record)
    {
        var items = record.Plan.Items.OrderBy(i => i.File, StringComparer.Ordinal).Select(item =>
            record.Results.TryGetValue(item.File, out var result)
                ? new ItemJson(item.File, result.Status, result.Cached, result.ProcessingTime, result.ServedBy?.Model ?? result.Model,
                    result.Status == ItemResult.Success ? result.Result : null, result.ErrorCode, result.Error, result.Checks)
                : new ItemJson(item.File, "pending", false, null, null, null, null, null)).ToList();
        var parameters = new JsonObject();
        foreach (var (name, value) in record.Plan.ExportParameters)
        {
            parameters[name] = value?.DeepClone();
        }

        return new BatchShowJson(Of(record), parameters, record.ErrorCode, record.Error, items);
    }
}
