using System.Globalization;
using Gleitzeit.Batch.Configuration;
using Gleitzeit.Batch.Providers;

namespace Gleitzeit.Batch.Execution;

/// <summary>
/// <c>max_tokens_total</c>: hosted calls cost money, so a misconfigured job must not spend without limit. Before
/// anything is sent, the prompt tokens of every miss are estimated (<see cref="TokenEstimate"/>) and a run over budget
/// sends nothing; while it runs, the tokens the server reports are added up and sending stops once they pass it.
/// </summary>
internal static class TokenBudget
{
    /// <summary>The error refusing the run before its first call, or null when the estimate fits.</summary>
    public static ChatProviderException? Refuses(BatchSettings settings, IReadOnlyCollection<ItemWork> misses)
    {
        if (settings.MaxTokensTotal is not { } budget || misses.Count == 0)
        {
            return null;
        }

        // A judged answer costs its document once more: the judge reads it beside the answer.
        var judged = misses.Where(m => m.Template.Review?.Judge is not null).ToList();
        var estimate = misses.Sum(m => (long)m.EstimatedTokens) + judged.Sum(m => (long)m.EstimatedTokens);
        if (estimate <= budget)
        {
            return null;
        }

        var exact = misses.All(m => TokenEstimate.IsExact(m.Model)) ? "counted with the model's tokenizer" : "estimated";
        var judges = judged.Count == 0 ? string.Empty : $" and {judged.Count} judge call(s)";
        return Error(string.Create(
            CultureInfo.InvariantCulture,
            $"the {misses.Count} item(s) to send{judges} need about {estimate} prompt tokens ({exact}; answers come on top), over {settings.Spell(Contract.Settings.MaxTokensTotal)} {budget}: nothing was sent. Raise the budget, or send fewer items (the cached ones were served)"));
    }

    /// <summary>
    /// The error refusing a run's judge calls before the first of them (answers served from the cache are judged too, when
    /// no verdict on them is cached), or null when they fit what is left of the budget.
    /// </summary>
    public static ChatProviderException? RefusesJudges(BatchSettings settings, int calls, long estimate, long spent)
    {
        if (settings.MaxTokensTotal is not { } budget || calls == 0 || spent + estimate <= budget)
        {
            return null;
        }

        return Error(string.Create(
            CultureInfo.InvariantCulture,
            $"the {calls} judge call(s) to make need about {estimate} prompt tokens (estimated; verdicts come on top), and {spent} were spent on answers: over {settings.Spell(Contract.Settings.MaxTokensTotal)} {budget}, so no judge was asked. Raise the budget and resume the batch, or judge fewer answers"));
    }

    /// <summary>The error that stops sending once the reported tokens pass the budget.</summary>
    public static ChatProviderException Spent(long spent, long budget) => Error(string.Create(
        CultureInfo.InvariantCulture,
        $"the server reported {spent} prompt and answer tokens, reaching max_tokens_total {budget}: nothing more was sent; raise the budget and resume the batch for the rest"));

    private static ChatProviderException Error(string message) =>
        new(message, DiagnosticCodes.TokenBudgetExceeded, isTransient: false, stopsBatch: true) { Condition = message };
}
