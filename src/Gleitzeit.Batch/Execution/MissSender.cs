using System.Diagnostics;
using System.Threading.Channels;
using Gleitzeit.Batch.Caching;
using Gleitzeit.Batch.Inputs;
using Gleitzeit.Batch.Providers;
using Gleitzeit.Batch.Results;
using Polly;

namespace Gleitzeit.Batch.Execution;

/// <summary>Sends cache misses to the model, a bounded number at once, with retries; stores and records each answer as it arrives.</summary>
internal sealed class MissSender(BatchRun run, IChatProvider provider, ModelDigests digests, ResiliencePipeline pipeline)
{
    private readonly Channel<ItemKey> _queue = Channel.CreateUnbounded<ItemKey>(new UnboundedChannelOptions { SingleReader = false });
    private int _sent;

    public int Sent => Volatile.Read(ref _sent);

    /// <summary>Queues an item; items are sent in the order queued.</summary>
    public void Enqueue(ItemKey miss) => _queue.Writer.TryWrite(miss);

    /// <summary>No more items will be queued.</summary>
    public void Complete() => _queue.Writer.TryComplete();

    /// <summary>Sends until the queue is complete and empty, or the run stops.</summary>
    public Task RunAsync() => Parallel.ForEachAsync(
        _queue.Reader.ReadAllAsync(run.Cancellation.Token),
        new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, run.Settings.MaxConcurrent), CancellationToken = run.Cancellation.Token },
        SendAsync);

    private ChatTimeouts Timeouts => new(run.Settings.FirstChunkTimeout, run.Settings.IdleTimeout, run.Settings.TimeoutPerFile);

    private async ValueTask SendAsync(ItemKey miss, CancellationToken token)
    {
        var clock = Stopwatch.StartNew();
        run.Tracker.Started(miss.Item.File);
        try
        {
            var context = ResilienceContextPool.Shared.Get(token);
            context.Properties.Set(RetryPipeline.ItemKey, miss.Item.File);
            (ChatCompletion Completion, IReadOnlyList<ComposedMessage> Messages, LoadedInput? Input) answer;
            try
            {
                answer = await pipeline.ExecuteAsync(
                    async (ctx, state) =>
                    {
                        var (messages, input) = await ItemKeying.ComposeAsync(state, ctx.CancellationToken);
                        var call = new ChatCall(ModelNames.Normalize(state.Model), messages, state.Template.Options, state.Template.Format, Timeouts);
                        return (await provider.CompleteAsync(call, ctx.CancellationToken), messages, input);
                    },
                    context,
                    miss);
            }
            finally
            {
                ResilienceContextPool.Shared.Return(context);
            }

            var seconds = Math.Round(clock.Elapsed.TotalSeconds, 3);
            string? keyValue = null;
            if (run.Cache is not null)
            {
                // Stored under the digest the server reports, which may differ from the remembered one the miss was keyed with.
                var key = ItemKeying.KeyOf(miss, answer.Messages, answer.Input, await digests.VerifyAsync(miss.Model, run.Cancellation.Token));
                keyValue = key.Value;
                if (run.WritesCache)
                {
                    run.Cache.Put(new CacheEntry
                    {
                        Key = key.Value,
                        Inputs = key.Inputs,
                        Source = key.Source,
                        Response = answer.Completion.Text,
                        Tokens = answer.Completion.Tokens,
                        Durations = answer.Completion.Durations,
                        ProcessingTime = seconds,
                        WrittenAt = DateTimeOffset.UtcNow,
                    });
                }
            }

            var result = new ItemResult
            {
                File = miss.Item.File,
                Status = ItemResult.Success,
                Result = answer.Completion.Text,
                ProcessingTime = seconds,
                Tokens = answer.Completion.Tokens,
                CacheKey = keyValue,
                MissReasons = run.Cache is null ? null : run.Explain(miss),
                OutputFile = miss.Item.OutputFile,
            };
            Interlocked.Increment(ref _sent);
            run.Succeed(miss.Item, result, answer.Completion.Text, clock.Elapsed, cached: false);
        }
        catch (ChatProviderException ex) when (ex.StopsBatch)
        {
            run.Tracker.Abandoned();
            run.Stop(ex);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested || run.Cancellation.IsCancellationRequested)
        {
            run.Tracker.Abandoned();
        }
        catch (ChatProviderException ex)
        {
            // The server answered, with an error for this item: it was sent.
            Interlocked.Increment(ref _sent);
            run.Fail(miss.Item, ex.Message, ex.Code, clock.Elapsed, miss.Key?.Value, wasInFlight: true);
        }
        catch (InvalidInputException ex)
        {
            run.Fail(miss.Item, ex.Message, DiagnosticCodes.InvalidFileFormat, clock.Elapsed, miss.Key?.Value, wasInFlight: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            run.Fail(miss.Item, $"cannot read {miss.Item.FullPath}: {ex.Message}", DiagnosticCodes.FileNotFound, clock.Elapsed, miss.Key?.Value, wasInFlight: true);
        }
    }
}
