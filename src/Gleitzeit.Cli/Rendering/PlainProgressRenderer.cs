using Gleitzeit.Batch.Execution;

namespace Gleitzeit.Cli.Rendering;

/// <summary>One plain line per finished item, no control characters: for logs and CI.</summary>
/// <param name="context">Where lines go.</param>
/// <param name="diagnosticsFile">In the build worker: coded warnings become canonical <c>file: warning GZxxxx: …</c> lines about this file, which MSBuild shows as warnings.</param>
internal sealed class PlainProgressRenderer(CliContext context, string? diagnosticsFile = null) : IProgressRenderer
{
    private readonly Lock _lock = new();
    private int _lastTenth = -1;

    public Task<T> RunAsync<T>(string title, Func<Task<T>> work)
    {
        if (context.Verbosity >= Verbosity.Normal)
        {
            context.Out.WriteLine(title);
        }

        return work();
    }

    public void Report(BatchProgressEvent value)
    {
        var counter = $"[{value.Counts?.Done}/{value.Counts?.Total}]";
        var file = Diagnostic.OneLine(value.File);
        var message = Diagnostic.OneLine(value.Message);
        var level = context.Verbosity;
        var line = value.Kind switch
        {
            _ when level < Verbosity.Normal && value.Kind is not BatchEventKind.Failed => null,
            BatchEventKind.Started when level >= Verbosity.Detailed => $"{counter} sending {file}",
            BatchEventKind.Completed => $"{counter} ok      {file} ({ProgressRenderers.Seconds(value.ItemTime ?? TimeSpan.Zero)}) {message}",
            BatchEventKind.CacheHit when value.Source == Batch.Results.ItemResult.FromArtifact => $"{counter} artifact {file} ({ProgressRenderers.Seconds(value.ItemTime ?? TimeSpan.Zero)}) {message}",
            BatchEventKind.CacheHit => $"{counter} cached  {file} ({ProgressRenderers.Seconds(value.ItemTime ?? TimeSpan.Zero)}) {message}",
            BatchEventKind.Failed => $"{counter} failed  {file}: {message}",
            BatchEventKind.Skipped => $"{counter} skipped {file}: {message}",
            BatchEventKind.Judged when value.Source is null || level >= Verbosity.Detailed => $"judged  {file}{(value.Source is null ? string.Empty : $" ({value.Source})")}: {message}",
            BatchEventKind.Submitted when level >= Verbosity.Detailed => $"{counter} submitted {file}: {message}",
            _ => null,
        };
        lock (_lock)
        {
            if (level == Verbosity.Quiet && line is null)
            {
                // Quiet: failed items (errors) and, after the run, the final result; no warnings, retries or downloads.
            }
            else if (value is { Kind: BatchEventKind.Preparing, Transfer: { } transfer })
            {
                // A line at the start, at every tenth and at the end: a long download must not flood a CI log.
                var tenth = transfer.Total is > 0 ? (int)(10 * transfer.Done / transfer.Total.Value) : 0;
                if (transfer.Finished || tenth != _lastTenth)
                {
                    _lastTenth = transfer.Finished ? -1 : tenth;
                    context.Out.WriteLine(transfer.Finished ? message : $"{message}: {TransferText.Amount(transfer)}");
                }
            }
            else if (line is not null)
            {
                context.Out.WriteLine(line);
            }
            else if (value is { Kind: BatchEventKind.Warning, Code: { } code } && diagnosticsFile is not null)
            {
                context.Out.WriteLine(Diagnostic.Warning(code, diagnosticsFile, (value.File is null ? string.Empty : file + ": ") + message).ToString());
            }
            else if (value is { Kind: BatchEventKind.Warning, Code: { } coded })
            {
                context.Error.WriteLine($"warning {coded}: {(value.File is null ? string.Empty : file + ": ")}{message}");
            }
            else if (value.Kind is BatchEventKind.Retrying or BatchEventKind.Warning)
            {
                context.Error.WriteLine($"{(value.Kind == BatchEventKind.Retrying ? "retry" : "warning")}: {(value.File is null ? string.Empty : file + ": ")}{message}");
            }
        }
    }
}
