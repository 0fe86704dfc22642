using Gleitzeit.Batch.Caching;
using Gleitzeit.Batch.Planning;
using Gleitzeit.Batch.Providers;
using Gleitzeit.Batch.Results;
using Gleitzeit.Batch.Review;

namespace Gleitzeit.Batch.Execution;

/// <summary>
/// Reviews the answers of a run once they exist, wherever they came from (the artifact, the cache, the model, the Batch
/// API): the batch's checks on each, then its judge. A verdict is served like an answer, from the committed artifact
/// and then the cache by its own key, so an unchanged build makes no judge call and a changed answer is judged once;
/// a Locked run never calls the judge. Judge calls share the run's retries, concurrency, pacing and token budget.
/// </summary>
internal sealed class ReviewStep(RunState run, ModelCatalog models, MissSender sender, KeyScope scope, TimeProvider time)
{
    /// <summary>Reviews every answered item of <paramref name="items"/> whose template has checks or a judge.</summary>
    public async Task RunAsync(IEnumerable<BatchItem> items, CancellationToken token)
    {
        // Taken before the first review is recorded: reviews write results while others are still being read.
        var reviewed = items
            .Where(i => run.Record.Plan.Templates[i.Template].Review is not null)
            .Select(i => (Item: i, Result: run.Record.Results.GetValueOrDefault(i.File)))
            .Where(p => p.Result?.Status == ItemResult.Success)
            .ToList();
        await RefuseOverBudgetAsync(reviewed, token);
        await Parallel.ForEachAsync(
            reviewed,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, run.Settings.MaxConcurrent), CancellationToken = token },
            async (pair, t) => await ReviewAsync(pair.Item, pair.Result!, t));
    }

    /// <summary>
    /// After Ctrl+C: an answer whose checks did not run says so (the artifact must not look checked), and stays
    /// unfinished, so a resume checks it.
    /// </summary>
    public void MarkUnreviewed(IEnumerable<BatchItem> items)
    {
        foreach (var item in items.Where(i => run.Record.Plan.Templates[i.Template].Review is not null))
        {
            if (run.Record.Results.GetValueOrDefault(item.File) is { Status: ItemResult.Success, Checks: null } result)
            {
                run.Reviewed(item, result with
                {
                    Checks = new ItemChecks
                    {
                        Pass = false,
                        JudgeError = "not checked: the run was cancelled before its checks; resume the batch to check it",
                        JudgeErrorCode = Contract.DiagnosticCodes.Cancelled,
                    },
                });
            }
        }
    }

    // max_tokens_total: the judge calls this run would make (answers without a cached verdict, cached answers included)
    // are estimated before the first of them, and none is made when they do not fit what the answers left.
    private async Task RefuseOverBudgetAsync(List<(BatchItem Item, ItemResult? Result)> reviewed, CancellationToken token)
    {
        if (run.Settings.MaxTokensTotal is null || !run.Policy.Sends || run.Fatal is not null)
        {
            return;
        }

        var calls = 0;
        long estimate = 0;
        foreach (var (item, result) in reviewed)
        {
            var template = run.Record.Plan.Templates[item.Template];
            if (template.Review?.Judge is not { } rubric)
            {
                continue;
            }

            var model = template.Review.JudgeModel ?? template.Model;
            var answer = result!.Result ?? string.Empty;
            if (Served(KeyOf(item, result, rubric, model, models.Remembered(model)?.Digest)) is not null)
            {
                continue;
            }

            calls++;
            try
            {
                var (_, input) = ItemKeying.Compose(new ItemWork { Item = item, Template = template }, run.Settings, token);
                estimate += TokenEstimate.Of(model, JudgeRequest.Messages(rubric, template.Prompt, item.File, input, answer));
            }
            catch (Exception ex) when (ex is Inputs.InvalidInputException or IOException or UnauthorizedAccessException)
            {
                // Its judge call fails on reading it again: nothing to count.
            }
        }

        if (TokenBudget.RefusesJudges(run.Settings, calls, estimate, sender.TokensSpent) is { } refused)
        {
            run.Halt(refused);
        }
    }

    private async Task ReviewAsync(BatchItem item, ItemResult result, CancellationToken token)
    {
        var template = run.Record.Plan.Templates[item.Template];
        var spec = template.Review!;
        var failed = AnswerChecks.Run(spec, result.Result ?? string.Empty, template.Format).ToList();
        var checks = new ItemChecks { Pass = failed.Count == 0, Failed = failed.Count == 0 ? null : failed };
        if (spec.Judge is { } rubric)
        {
            checks = await JudgeAsync(item, template, spec, rubric, result, failed, token);
        }

        run.Reviewed(item, result with { Checks = checks });
    }

    private async Task<ItemChecks> JudgeAsync(BatchItem item, PromptTemplate template, ReviewSpec spec, string rubric, ItemResult result, List<CheckFailure> failed, CancellationToken token)
    {
        var model = spec.JudgeModel ?? template.Model;
        var answer = result.Result ?? string.Empty;
        var key = KeyOf(item, result, rubric, model, models.Remembered(model)?.Digest);
        if (Served(key) is { } served)
        {
            return Verdict(item, spec, model, failed, key, served.Verdict, served.Source, null);
        }

        if (!run.Policy.Sends)
        {
            return Unjudged(model, failed, key, "cache miss in Locked mode: no judge's verdict on this answer is recorded (the answer, the rubric or the judge model changed); build once without Locked to judge it", Contract.DiagnosticCodes.LockedCacheMiss);
        }

        if (run.Fatal is { } stopped)
        {
            return Unjudged(model, failed, key, $"not judged: the run stopped first ({stopped.Message})", stopped.Code);
        }

        var started = time.GetTimestamp();
        try
        {
            var digest = (await models.VerifyAsync(model, token))?.Digest;
            key = KeyOf(item, result, rubric, model, digest);
            if (Served(key) is { } meanwhile)
            {
                return Verdict(item, spec, model, failed, key, meanwhile.Verdict, meanwhile.Source, null);
            }

            var (_, input) = ItemKeying.Compose(new ItemWork { Item = item, Template = template }, run.Settings, token);
            var messages = JudgeRequest.Messages(rubric, template.Prompt, item.File, input, answer);
            var completion = await sender.JudgeAsync(model, messages, token);
            JudgeVerdict verdict;
            try
            {
                verdict = JudgeRequest.Parse(completion.Text);
            }
            catch (FormatException ex)
            {
                return Unjudged(model, failed, key, $"{ex.Message}: the judge ({Providers.ModelNames.Display(model)}) did not grade the answer; it is asked again next run", Contract.DiagnosticCodes.JudgeFailed);
            }

            var seconds = Math.Round(time.GetElapsedTime(started).TotalSeconds, 3);
            var stored = key;
            run.TryStore(cache => cache.Put(MissSender.Entry(stored, completion with { Text = verdict.ToJson() }, seconds)));
            return Verdict(item, spec, model, failed, key, verdict, null, completion.Tokens);
        }
        catch (ChatProviderException ex) when (ex.StopsBatch || ex.Code == Contract.DiagnosticCodes.RateLimited)
        {
            // A missing judge model, an unreachable server or a quota waited out: the other verdicts would end the same.
            run.Stop(ex);
            return Unjudged(model, failed, key, $"not judged: {ex.Message}", ex.Code);
        }
        catch (ChatProviderException ex)
        {
            return Unjudged(model, failed, key, $"the judge ({Providers.ModelNames.Display(model)}) could not be asked: {ex.Message}", ex.Code);
        }
        catch (Exception ex) when (ex is Inputs.InvalidInputException or IOException or UnauthorizedAccessException)
        {
            return Unjudged(model, failed, key, $"not judged: cannot read {item.File} again for the judge ({ex.Message})", Contract.DiagnosticCodes.FileNotFound);
        }
    }

    private CacheKey KeyOf(BatchItem item, ItemResult result, string rubric, string model, string? digest) =>
        JudgeRequest.Key(result.CacheKey ?? Serialization.Hashes.Sha256Hex(item.File), result.Result ?? string.Empty, rubric, scope.KeyModel(model), digest, scope.Service);

    // A verdict on this very answer, from the committed artifact, then the cache directory.
    private (JudgeVerdict Verdict, string Source)? Served(CacheKey key)
    {
        if (run.Artifact?.TryGetVerdict(key.Value) is { } committed)
        {
            return (committed, ItemResult.FromArtifact);
        }

        if (run.Cache?.TryGet(key.Value) is not { } entry)
        {
            return null;
        }

        try
        {
            var verdict = JudgeRequest.Parse(entry.Response);
            if (run.Policy.Stores)
            {
                run.Cache.Touch(entry.Key);
            }

            return (verdict, ItemResult.FromCache);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private ItemChecks Verdict(BatchItem item, ReviewSpec spec, string model, List<CheckFailure> failed, CacheKey key, JudgeVerdict verdict, string? source, TokenCounts? tokens)
    {
        var all = new List<CheckFailure>(failed);
        if (!verdict.Passes(spec.MinScore))
        {
            all.Add(new CheckFailure(Contract.Settings.Judge.Key, verdict.Failure(spec.MinScore)));
        }

        run.Tracker.Judged(item.File, verdict, all.Count == failed.Count, source);
        return new ItemChecks
        {
            Pass = all.Count == 0,
            Failed = all.Count == 0 ? null : all,
            Score = verdict.Score,
            JudgePass = verdict.Pass,
            JudgeReason = verdict.Reason,
            JudgeModel = Providers.ModelNames.Display(model),
            JudgeKey = key.Value,
            JudgeDigest = key.Inputs["model_digest"]?.GetValue<string>(),
            JudgeSource = source,
            JudgeTokens = tokens is null ? null : (long)tokens.Prompt + tokens.Completion,
        };
    }

    private static ItemChecks Unjudged(string model, List<CheckFailure> failed, CacheKey key, string error, string code) => new()
    {
        Pass = false,
        Failed = failed.Count == 0 ? null : failed,
        JudgeModel = Providers.ModelNames.Display(model),
        JudgeKey = key.Value,
        JudgeError = error,
        JudgeErrorCode = code,
    };
}
