using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Gleitzeit.Batch.Caching;
using Gleitzeit.Batch.Inputs;
using Gleitzeit.Batch.Providers;
using Gleitzeit.Batch.Results;
using Polly;

namespace Gleitzeit.Batch.Execution;

/// <summary>
/// Sends cache misses to the model, as many at once as the server copes with, with retries; stores and records each
/// answer as it arrives. Processes sharing the cache send each key once: a key another process is sending is put back
/// and served from the cache once that answer is stored.
/// </summary>
internal sealed class MissSender(RunState run, IChatProvider provider, ModelCatalog models, ResiliencePipeline retries, AdaptiveConcurrency concurrency, RatePacer pacer, KeyScope scope, TimeProvider time)
{
    private static readonly TimeSpan LockPollInterval = TimeSpan.FromMilliseconds(150);
    private readonly Channel<ItemWork> _queue = Channel.CreateUnbounded<ItemWork>(new UnboundedChannelOptions { SingleReader = false });
    private readonly ConcurrentDictionary<string, long> _waitingSince = new(StringComparer.Ordinal);
    private readonly FirstContact _contact = new();
    private int _outstanding;
    private int _producerDone;
    private int _sent;
    private int _judged;
    private long _tokens;
    private long _judgeTokens;

    /// <summary>Items the server answered, with a result or an error for the item.</summary>
    public int Sent => Volatile.Read(ref _sent);

    /// <summary>Judge calls the server answered.</summary>
    public int Judged => Volatile.Read(ref _judged);

    /// <summary>Prompt and answer tokens of every call so far, answers and judges: what counts against max_tokens_total.</summary>
    public long TokensSpent => Interlocked.Read(ref _tokens);

    /// <summary>Prompt and answer tokens of the judge calls.</summary>
    public long JudgeTokens => Interlocked.Read(ref _judgeTokens);

    /// <summary>
    /// One judge call with the run's retries, concurrency, pacing and token budget, counted apart from answers. Its
    /// window is fitted like an answer's; a judge prompt too long for it, or cut by the server, is refused, never graded.
    /// </summary>
    public async Task<ChatCompletion> JudgeAsync(string model, IReadOnlyList<ComposedMessage> messages, CancellationToken token)
    {
        var options = JudgeRequest.Options;
        var estimate = TokenEstimate.Of(model, messages, exact: TokenEstimate.Counted(run.Settings));
        int? modelMax = null;
        if (scope.FitsContext)
        {
            modelMax = (await models.VerifyAsync(model, token))?.ContextLength;
            var choice = ContextFit.Choose(estimate, options, run.Settings.ContextLength, modelMax);
            if (!choice.Fits)
            {
                throw new ChatProviderException($"the judge's prompt (the document and the answer) needs about {choice.Needed} tokens, more than {model}'s window of {choice.Limit}: choose a judge model with a longer context", Contract.DiagnosticCodes.PromptTooLong, isTransient: false, stopsBatch: false);
            }

            options = ContextFit.WithWindow(options, choice.Window) ?? options;
        }

        var format = Contract.ProviderPresets.For(run.Settings.Provider).InProcess ? (JsonNode)"json" : JudgeRequest.VerdictSchema;
        var call = new ChatCall(scope.NormalizeModel(model), messages, options, format, Timeouts) { Rules = AnswerRules.Default };
        var answer = await CallAsync(call, estimate, FirstContact.Ticket.Free, token, judge: true);
        if (scope.FitsContext && ContextFit.Check(answer.Tokens.Prompt, options, modelMax, int.MaxValue).Cut)
        {
            throw new ChatProviderException($"the server read {answer.Tokens.Prompt} prompt tokens of the judge's prompt and cut the rest: choose a judge model with a longer context", Contract.DiagnosticCodes.PromptTooLong, isTransient: false, stopsBatch: false);
        }

        return answer;
    }

    /// <summary>Queues an item; items are sent in the order queued.</summary>
    public void Enqueue(ItemWork miss)
    {
        Interlocked.Increment(ref _outstanding);
        _queue.Writer.TryWrite(miss);
    }

    /// <summary>No more items will be queued: the run ends once the queued ones have.</summary>
    public void Complete()
    {
        Volatile.Write(ref _producerDone, 1);
        if (Volatile.Read(ref _outstanding) == 0)
        {
            _queue.Writer.TryComplete();
        }
    }

    /// <summary>Sends until every queued item has ended, or the run stops.</summary>
    public Task RunAsync() => Parallel.ForEachAsync(
        _queue.Reader.ReadAllAsync(run.Cancellation.Token),
        new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, run.Settings.MaxConcurrent) * Math.Max(1, provider.Servers), CancellationToken = run.Cancellation.Token },
        async (miss, token) =>
        {
            if (await ProcessAsync(miss, token))
            {
                Finished();
            }
        });

    private ChatTimeouts Timeouts => new(run.Settings.FirstChunkTimeout, run.Settings.IdleTimeout, run.Settings.TimeoutPerFile);

    // The longest another process can hold a key: every attempt at its longest, and the waits between them.
    private TimeSpan MaxLockWait => (run.Settings.FirstChunkTimeout + run.Settings.TimeoutPerFile) * (run.Settings.RetryAttempts + 1) + run.Settings.RateLimitWait + TimeSpan.FromMinutes(1);

    private void Finished()
    {
        if (Interlocked.Decrement(ref _outstanding) == 0 && Volatile.Read(ref _producerDone) == 1)
        {
            _queue.Writer.TryComplete();
        }
    }

    /// <summary>Handles one item; false when it was put back to wait for another process's answer.</summary>
    private async Task<bool> ProcessAsync(ItemWork miss, CancellationToken token)
    {
        if (run.Fatal is not null)
        {
            // The run was halted (the token budget is spent): the item stays unfinished, for a resume.
            return true;
        }

        using var ticket = await EnterAsync(miss, token);
        if (run.Fatal is not null)
        {
            return true;
        }

        using var held = Coordinate(miss, out var outcome);
        if (outcome == Coordination.Answered)
        {
            return true;
        }

        if (outcome == Coordination.Wait)
        {
            _ = PutBackAsync(miss, token);
            return false;
        }

        await SendAsync(miss, ticket, token);
        return true;
    }

    // Before a model's first call the server is asked about it (one short request); until it has shown that it takes
    // the model's calls, they go one at a time.
    private async Task<FirstContact.Ticket> EnterAsync(ItemWork miss, CancellationToken token)
    {
        if (!provider.CanRefuse)
        {
            return FirstContact.Ticket.Free;
        }

        try
        {
            await models.VerifyAsync(miss.Model, token);
        }
        catch (ChatProviderException ex) when (ex.StopsBatch)
        {
            run.Stop(ex);
            return FirstContact.Ticket.Free;
        }

        return await _contact.EnterAsync(miss.Model, token);
    }

    private KeyLock? Coordinate(ItemWork miss, out Coordination outcome)
    {
        outcome = Coordination.Send;
        if (!run.Policy.Coordinates || run.Cache is null || miss.Key is null)
        {
            return null;
        }

        KeyLock? held;
        try
        {
            held = KeyLock.TryAcquire(run.Cache, miss.Key.Identity);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            run.CacheNotWritable(ex);
            return null;
        }

        // Holding the key or not, another process may have stored its answer meanwhile.
        if (ServeStored(miss))
        {
            held?.Dispose();
            outcome = Coordination.Answered;
            return null;
        }

        if (held is null)
        {
            var since = _waitingSince.GetOrAdd(miss.Item.File, _ => time.GetTimestamp());
            outcome = time.GetElapsedTime(since) < MaxLockWait ? Coordination.Wait : Coordination.Send;
        }

        return held;
    }

    // Another process stores its answer under the digest the server reported, which may not be the one this miss was keyed with.
    private bool ServeStored(ItemWork miss)
    {
        var verified = models.VerifiedDigest(miss.Model, out var known);
        var entry = run.Cache!.TryGet(miss.Key!.Value);
        var verifiedKey = entry is null && known ? miss.Key.WithDigest(verified).Value : null;
        if (entry is null && verifiedKey is not null && verifiedKey != miss.Key.Value)
        {
            entry = run.Cache.TryGet(verifiedKey);
        }

        if (entry is null && !models.ServerAnswered(miss.Model) && models.Remembered(miss.Model)?.Digest is { } remembered)
        {
            // Until the server answered: what the cache remembers (read from disk, so not once the server has spoken).
            var rememberedKey = miss.Key.WithDigest(remembered).Value;
            if (rememberedKey != miss.Key.Value && rememberedKey != verifiedKey)
            {
                entry = run.Cache.TryGet(rememberedKey);
            }
        }

        if (entry is null)
        {
            return false;
        }

        run.Succeed(miss.Item, HitResult(miss, entry), entry.Response, TimeSpan.FromSeconds(entry.ProcessingTime), cached: true, ItemResult.FromCache);
        return true;
    }

    private async Task PutBackAsync(ItemWork miss, CancellationToken token)
    {
        try
        {
            await Task.Delay(LockPollInterval, time, token);
            _queue.Writer.TryWrite(miss);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task SendSplitAsync(ItemWork miss, FirstContact.Ticket ticket, Elapsed clock, CancellationToken token)
    {
        var split = await new SplitSender(run, scope, models, (messages, options, estimate, t) => CallAsync(Call(miss, messages, options, ticket), estimate, ticket, t))
            .SendAsync(miss, token);
        var digest = await DigestAsync(miss, token);
        var key = ItemKeying.KeyOf(miss, scope, [], split.Input, digest, miss.Template.Options, ItemKeying.CombinePromptOf(run.Settings));
        run.TryStore(cache => cache.Put(Entry(key, split.Completion, Math.Round(clock.Value.TotalSeconds, 3), split.Parts)));
        run.Succeed(miss.Item, Result(miss, split.Completion, key, clock.Value, split.Input, split.Parts, split.Sent), $"({split.Parts} parts, {(split.Sent == 1 ? "1 call" : $"{split.Sent} calls")}) {split.Completion.Text}", clock.Value, cached: false);
    }

    private ChatCall Call(ItemWork miss, IReadOnlyList<ComposedMessage> messages, JsonObject? options, FirstContact.Ticket ticket) =>
        new(scope.NormalizeModel(miss.Model), messages, options, miss.Template.Format, Timeouts) { Rules = scope.Rules, Accepted = ticket.Leads ? ticket.Accepted : null };

    // One generation with the run's retries, concurrency and pacing (reserving its prompt and its max_tokens, as a service
    // counts them against a tokens-a-minute quota); its tokens count against max_tokens_total.
    private async Task<ChatCompletion> CallAsync(ChatCall call, int estimate, FirstContact.Ticket ticket, CancellationToken token, bool judge = false)
    {
        var answer = await retries.RunAsync(
            async attempt =>
            {
                using var permit = await concurrency.EnterAsync(attempt);
                await pacer.WaitAsync(estimate + ContextFit.ReserveFor(call.Options), attempt);
                try
                {
                    var result = await provider.CompleteAsync(call, attempt);
                    concurrency.Succeeded();
                    pacer.Learn(result.Limits);
                    return result;
                }
                catch (ChatProviderException ex) when (ex.IsBusy)
                {
                    concurrency.Busy();
                    throw;
                }
            },
            token);
        ticket.Accepted();
        Interlocked.Increment(ref judge ? ref _judged : ref _sent);
        if (judge)
        {
            Interlocked.Add(ref _judgeTokens, (long)answer.Tokens.Prompt + answer.Tokens.Completion);
        }

        var spent = Interlocked.Add(ref _tokens, (long)answer.Tokens.Prompt + answer.Tokens.Completion);
        if (run.Settings.MaxTokensTotal is { } budget && spent >= budget)
        {
            run.Halt(TokenBudget.Spent(spent, budget));
        }

        return answer;
    }

    private async Task SendAsync(ItemWork miss, FirstContact.Ticket ticket, CancellationToken token)
    {
        var started = time.GetTimestamp();
        var clock = new Elapsed(time, started);
        run.Tracker.Started(miss.Item.File);
        try
        {
            if (miss.Split)
            {
                await SendSplitAsync(miss, ticket, clock, token);
                return;
            }

            var (messages, input) = ItemKeying.Compose(miss, run.Settings, token, kept: run.Kept);
            var options = miss.Options;
            var window = WindowOf(options);
            if (window is not null && scope.FitsContext)
            {
                // A raised window must fit the model: ask the server first (the answer is shared by every item of the model).
                var modelMax = (await models.VerifyAsync(miss.Model, token))?.ContextLength;
                var choice = ContextFit.Choose(miss.EstimatedTokens, miss.Template.Options, run.Settings.ContextLength, modelMax);
                if (!choice.Fits && input?.Document is not null && ItemKeying.Splits(miss, run.Settings))
                {
                    // The model's window, known now, is too small for the whole document: it goes in parts.
                    await SendSplitAsync(miss with { Split = true, WindowLimit = choice.Limit }, ticket, clock, token);
                    return;
                }

                if (!choice.Fits)
                {
                    run.Fail(miss.Item, ItemKeying.TooLong(miss, choice, modelMax), DiagnosticCodes.PromptTooLong, clock.Value, miss.Key?.Value, wasInFlight: true);
                    return;
                }

                options = ContextFit.WithWindow(miss.Template.Options, choice.Window);
            }

            ChatCompletion? completion = null;
            for (var raises = 0; completion is null; raises++)
            {
                ChatCompletion answer;
                try
                {
                    answer = await CallAsync(Call(miss, messages, options, ticket), miss.EstimatedTokens, ticket, token);
                }
                catch (ChatProviderException ex) when (ex.Code == DiagnosticCodes.PromptTooLong && input?.Document is not null && ItemKeying.Splits(miss, run.Settings))
                {
                    // The server (an OpenAI-compatible one, whose window is not known beforehand) refused the whole
                    // document as too long: it goes in parts sized to the window it named, else to half the estimate.
                    ticket.Accepted();
                    await SendSplitAsync(miss with { Split = true, WindowLimit = ex.ContextLimit ?? Math.Max(ContextFit.SmallestRaisedContext / 2, miss.EstimatedTokens / 2) }, ticket, clock, token);
                    return;
                }

                if (!scope.FitsContext)
                {
                    completion = answer;
                    break;
                }

                var modelMax = (await models.VerifyAsync(miss.Model, token))?.ContextLength;
                var check = ContextFit.Check(answer.Tokens.Prompt, options, modelMax, raises);
                if (!check.Cut)
                {
                    completion = answer;
                    break;
                }

                // The server read as many prompt tokens as the window holds: it cut the prompt. Never keep that answer.
                if (check.Larger is not { } larger)
                {
                    var choice = new ContextChoice(check.Used, Math.Max(answer.Tokens.Prompt, miss.EstimatedTokens), check.Used, Fits: false);
                    run.Fail(miss.Item, ItemKeying.TooLong(miss, choice, modelMax) + $" (the server read {answer.Tokens.Prompt} prompt tokens with a {check.Used}-token window and cut the rest)", DiagnosticCodes.PromptTooLong, clock.Value, miss.Key?.Value, wasInFlight: true);
                    return;
                }

                options = ContextFit.WithWindow(miss.Template.Options, larger);
            }

            await RecordAsync(miss, messages, input, options, completion, clock.Value, token);
        }
        catch (ChatProviderException ex) when (ex.StopsBatch)
        {
            run.Tracker.Abandoned();
            run.Stop(ex);
        }
        catch (ChatProviderException ex) when (ex.Code == DiagnosticCodes.RateLimited)
        {
            // The run has waited for the service's quota as long as it may: the rest would wait the same. This item
            // fails, the others are not sent, and the batch resumes later.
            Interlocked.Increment(ref _sent);
            run.Fail(miss.Item, ex.Message, ex.Code, clock.Value, miss.Key?.Value, wasInFlight: true);
            run.Stop(ChatProviderException.RateLimited(
                $"rate limited by {provider.Endpoint} for longer than rate_limit_wait ({run.Settings.RateLimitWait.TotalSeconds:0} s) allows, or asked to wait longer ({ex.Message}); the rest of the batch was not sent: resume it later"));
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested || run.Cancellation.IsCancellationRequested)
        {
            run.Tracker.Abandoned();
        }
        catch (ChatProviderException ex)
        {
            ticket.Accepted();
            if (ex.ServerAnswered)
            {
                Interlocked.Increment(ref _sent);
            }

            run.Fail(miss.Item, ex.Message, ex.Code, clock.Value, miss.Key?.Value, wasInFlight: true);
        }
        catch (Exception ex) when (ex is InvalidInputException or IOException or UnauthorizedAccessException)
        {
            run.NotReadable(miss, ex, clock.Value, wasInFlight: true);
        }
    }

    // The answer is recorded whatever happens to the cache: a failed cache write is one warning for the batch.
    private async Task RecordAsync(ItemWork miss, IReadOnlyList<ComposedMessage> messages, LoadedInput? input, JsonObject? options, ChatCompletion completion, TimeSpan elapsed, CancellationToken token)
    {
        var seconds = Math.Round(elapsed.TotalSeconds, 3);
        CacheKey? key = null;
        if (run.Cache is not null)
        {
            // Stored under the digest the server reports, which may differ from the remembered one the miss was keyed with.
            var digest = await DigestAsync(miss, token);
            key = ItemKeying.KeyOf(miss, scope, messages, input, digest, options);
            var stored = key;
            run.TryStore(cache =>
            {
                cache.Put(Entry(stored, completion, seconds));

                // A raised window still answers the item as keyed: stored under that key too, so the next run finds it.
                if (miss.Key?.WithDigest(digest) is { } keyed && keyed.Value != stored.Value)
                {
                    cache.Put(Entry(keyed, completion, seconds));
                }
            });
        }

        if (completion.Warning is { } warning)
        {
            run.Tracker.Warning($"{miss.Item.File}: {warning}", DiagnosticCodes.ServerError);
        }

        run.Succeed(miss.Item, Result(miss, completion, key, elapsed, input), completion.Text, elapsed, cached: false);
    }

    private ItemResult Result(ItemWork miss, ChatCompletion completion, CacheKey? key, TimeSpan elapsed, LoadedInput? input, int? parts = null, int? partsSent = null) => new()
    {
        File = miss.Item.File,
        Status = ItemResult.Success,
        Result = completion.Text,
        ProcessingTime = Math.Round(elapsed.TotalSeconds, 3),
        Tokens = completion.Tokens,
        ServedBy = completion.ServedBy,
        CacheKey = key?.Value ?? miss.Key?.Value,
        Model = miss.Model,
        ModelDigest = (key ?? miss.Key)?.Inputs["model_digest"]?.GetValue<string>(),
        MissReasons = run.Misses is null ? null : run.Explain(miss),
        OutputFile = miss.Item.OutputFile,
        Reasoning = completion.Reasoning,
        Extractor = input?.Extractor,
        Parts = parts,
        PartsSent = partsSent,
    };

    // The answer is in hand: if the model's details cannot be had now, it is stored under the digest it was keyed with.
    private async Task<string?> DigestAsync(ItemWork miss, CancellationToken token)
    {
        try
        {
            return (await models.VerifyAsync(miss.Model, token))?.Digest;
        }
        catch (Exception ex) when (ex is ChatProviderException or OperationCanceledException)
        {
            return miss.Key?.Inputs["model_digest"]?.GetValue<string>();
        }
    }

    internal static CacheEntry Entry(CacheKey key, ChatCompletion completion, double seconds, int? parts = null) => new()
    {
        Parts = parts,
        Key = key.Value,
        Inputs = key.Inputs,
        Source = key.Source,
        Response = completion.Text,
        Tokens = completion.Tokens,
        Durations = completion.Durations,
        ServedBy = completion.ServedBy,
        ProcessingTime = seconds,
        WrittenAt = DateTimeOffset.UtcNow,
    };

    internal static ItemResult HitResult(ItemWork hit, CacheEntry entry) => new()
    {
        File = hit.Item.File,
        Status = ItemResult.Success,
        Result = entry.Response,
        ProcessingTime = entry.ProcessingTime,
        Tokens = entry.Tokens,
        ServedBy = entry.ServedBy,
        Cached = true,
        Source = ItemResult.FromCache,
        CacheKey = entry.Key,
        Model = hit.Model,
        ModelDigest = entry.Inputs["model_digest"]?.GetValue<string>(),
        OutputFile = hit.Item.OutputFile,
        Extractor = hit.Extractor,
        Parts = entry.Parts,
    };

    internal static ItemResult ArtifactResult(ItemWork hit, ArtifactAnswer answer) => new()
    {
        File = hit.Item.File,
        Status = ItemResult.Success,
        Result = answer.Result,
        ProcessingTime = answer.ProcessingTime,
        Tokens = answer.Tokens,
        Cached = true,
        Source = ItemResult.FromArtifact,
        CacheKey = hit.Key!.Value,
        Model = hit.Model,
        ModelDigest = hit.Key.Inputs["model_digest"]?.GetValue<string>(),
        OutputFile = hit.Item.OutputFile,
        Extractor = hit.Extractor ?? answer.Extractor,
        Parts = answer.Parts,
    };

    private static int? WindowOf(JsonObject? options) => ContextFit.WindowOf(options);

    // How long an item has taken, on the run's clock.
    private readonly struct Elapsed(TimeProvider time, long started)
    {
        public TimeSpan Value => time.GetElapsedTime(started);
    }

    private enum Coordination
    {
        Send,
        Wait,
        Answered,
    }
}
