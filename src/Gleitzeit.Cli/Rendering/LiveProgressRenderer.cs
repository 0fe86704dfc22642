using Gleitzeit.Batch.Execution;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Gleitzeit.Cli.Rendering;

/// <summary>The live display on a terminal: bar with done/total, items in flight, completed with the first words of their result, queued, elapsed and ETA.</summary>
internal sealed class LiveProgressRenderer(CliContext context) : IProgressRenderer
{
    private const int ShownCompleted = 8;
    private const int ShownQueued = 5;
    private readonly Lock _lock = new();
    private readonly List<string> _queued = [];
    private readonly Dictionary<string, DateTime> _inFlight = new(StringComparer.Ordinal);
    private readonly LinkedList<string> _completed = new();
    private readonly List<string> _warnings = [];
    private BatchProgressEvent? _last;
    private Gleitzeit.Batch.Providers.Local.ModelTransfer? _transfer;
    private string _title = string.Empty;

    public async Task<T> RunAsync<T>(string title, Func<Task<T>> work)
    {
        _title = title;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(context.Out),
            ColorSystem = context.NoColor ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
        });
        T result = default!;
        await console.Live(Render()).AutoClear(false).StartAsync(async live =>
        {
            var running = work();
            while (!running.IsCompleted)
            {
                live.UpdateTarget(Render());
                await Task.WhenAny(running, Task.Delay(100));
            }

            result = await running;
            live.UpdateTarget(Render());
        });
        return result;
    }

    public void Report(BatchProgressEvent value)
    {
        lock (_lock)
        {
            if (value.Counts is { Total: > 0 })
            {
                _last = value;
            }

            switch (value.Kind)
            {
                case BatchEventKind.Queued:
                    _queued.Add(Diagnostic.OneLine(value.File));
                    break;
                case BatchEventKind.Started:
                    _queued.Remove(Diagnostic.OneLine(value.File));
                    _inFlight[Diagnostic.OneLine(value.File)] = DateTime.UtcNow;
                    break;
                case BatchEventKind.Completed:
                case BatchEventKind.CacheHit:
                    Finish(value, $"[green]✅[/] {Markup.Escape(Diagnostic.OneLine(value.File))} - {Markup.Escape(value.Message ?? string.Empty)} [grey]({ProgressRenderers.Seconds(value.ItemTime ?? TimeSpan.Zero)}{(value.Kind != BatchEventKind.CacheHit ? string.Empty : value.Source == Batch.Results.ItemResult.FromArtifact ? ", from the artifact" : ", cached")})[/]");
                    break;
                case BatchEventKind.Failed:
                    Finish(value, $"[red]❌[/] {Markup.Escape(Diagnostic.OneLine(value.File))} - [red]{Markup.Escape(value.Message ?? string.Empty)}[/]");
                    break;
                case BatchEventKind.Skipped:
                    Finish(value, $"[yellow]⏭[/]  {Markup.Escape(Diagnostic.OneLine(value.File))} - {Markup.Escape(value.Message ?? string.Empty)}");
                    break;
                case BatchEventKind.Submitted:
                    Finish(value, $"[blue]⏳[/] {Markup.Escape(Diagnostic.OneLine(value.File))} - submitted to the Batch API");
                    break;
                case BatchEventKind.Preparing:
                    _transfer = value.Transfer is { Finished: true } ? null : value.Transfer;
                    if (value.Transfer is { Finished: true })
                    {
                        _completed.AddLast($"[green]⬇[/]  {Markup.Escape(value.Message ?? string.Empty)}");
                    }

                    break;
                case BatchEventKind.Judged when value.Source is null:
                    _completed.AddLast($"[cyan]⚖[/]  {Markup.Escape(Diagnostic.OneLine(value.File))} - judged: {Markup.Escape(Diagnostic.OneLine(value.Message))}");
                    break;
                case BatchEventKind.Retrying:
                case BatchEventKind.Warning:
                    _warnings.Add($"[yellow]{Markup.Escape(Diagnostic.OneLine((value.Code is null ? string.Empty : value.Code + ": ") + (value.File is null ? string.Empty : value.File + ": ") + value.Message))}[/]");
                    if (_warnings.Count > 3)
                    {
                        _warnings.RemoveAt(0);
                    }

                    break;
            }
        }
    }

    private void Finish(BatchProgressEvent value, string line)
    {
        _queued.Remove(Diagnostic.OneLine(value.File));
        _inFlight.Remove(Diagnostic.OneLine(value.File));
        _completed.AddLast(line);
        if (_completed.Count > ShownCompleted)
        {
            _completed.RemoveFirst();
        }
    }

    private IRenderable Render()
    {
        lock (_lock)
        {
            var rows = new List<IRenderable> { new Markup($"[bold]{Markup.Escape(_title)}[/]") };
            var counts = _last?.Counts;
            var total = Math.Max(counts?.Total ?? 0, 1);
            var done = counts?.Done ?? 0;
            const int width = 40;
            var filled = (int)Math.Round(width * (double)done / total);
            rows.Add(new Markup($"[green]{new string('━', filled)}[/][grey]{new string('━', width - filled)}[/] {100 * done / total}% {done}/{counts?.Total ?? 0} files{(counts?.Cached > 0 ? $" [grey]({counts.Cached} from cache)[/]" : string.Empty)}"));
            if (_transfer is { } transfer)
            {
                var got = (int)Math.Round(width * TransferText.Fraction(transfer));
                rows.Add(new Markup($"\nDownloading model {Markup.Escape(transfer.Model)} to {Markup.Escape(transfer.Path)}\n[blue]{new string('━', got)}[/][grey]{new string('━', width - got)}[/] {Markup.Escape(TransferText.Amount(transfer))}"));
            }

            if (_inFlight.Count > 0)
            {
                rows.Add(new Markup("\nCurrently processing:"));
                var now = DateTime.UtcNow;
                rows.AddRange(_inFlight.OrderBy(p => p.Value).Select(p => new Markup($"  ⏳ {Markup.Escape(p.Key)} ({ProgressRenderers.Seconds(now - p.Value)})")));
            }

            if (_completed.Count > 0)
            {
                rows.Add(new Markup("\nCompleted:"));
                rows.AddRange(_completed.Select(line => new Markup("  " + line)));
            }

            if (_queued.Count > 0)
            {
                rows.Add(new Markup("\nQueued:"));
                rows.AddRange(_queued.Take(ShownQueued).Select(f => new Markup($"  ⏸  {Markup.Escape(f)}")));
                if (_queued.Count > ShownQueued)
                {
                    rows.Add(new Markup($"  [grey]… and {_queued.Count - ShownQueued} more[/]"));
                }
            }

            rows.AddRange(_warnings.Select(w => new Markup(w)));
            var eta = _last?.Eta is { } e ? ProgressRenderers.Seconds(e) : "…";
            rows.Add(new Markup($"\nElapsed: {ProgressRenderers.Seconds(_last?.Elapsed ?? TimeSpan.Zero)} | ETA: {eta}"));
            return new Rows(rows);
        }
    }
}
