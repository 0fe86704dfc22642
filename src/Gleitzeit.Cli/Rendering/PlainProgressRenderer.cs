using Gleitzeit.Batch.Execution;

namespace Gleitzeit.Cli.Rendering;

/// <summary>One plain line per finished item, no control characters: for logs and CI.</summary>
internal sealed class PlainProgressRenderer(CliContext context) : IProgressRenderer
{
    private readonly Lock _lock = new();

    public Task<T> RunAsync<T>(string title, Func<Task<T>> work)
    {
        context.Out.WriteLine(title);
        return work();
    }

    public void Report(BatchProgressEvent value)
    {
        var counter = $"[{value.Counts?.Done}/{value.Counts?.Total}]";
        var file = Diagnostic.OneLine(value.File);
        var message = Diagnostic.OneLine(value.Message);
        var line = value.Kind switch
        {
            BatchEventKind.Completed => $"{counter} ok      {file} ({ProgressRenderers.Seconds(value.ItemTime ?? TimeSpan.Zero)}) {message}",
            BatchEventKind.CacheHit => $"{counter} cached  {file} ({ProgressRenderers.Seconds(value.ItemTime ?? TimeSpan.Zero)}) {message}",
            BatchEventKind.Failed => $"{counter} failed  {file}: {message}",
            BatchEventKind.Skipped => $"{counter} skipped {file}: {message}",
            _ => null,
        };
        lock (_lock)
        {
            if (line is not null)
            {
                context.Out.WriteLine(line);
            }
            else if (value.Kind is BatchEventKind.Retrying or BatchEventKind.Warning)
            {
                context.Error.WriteLine($"{(value.Kind == BatchEventKind.Retrying ? "retry" : "warning")}: {(value.File is null ? string.Empty : file + ": ")}{message}");
            }
        }
    }
}
