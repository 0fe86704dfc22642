using System.Text;
using System.Text.Json.Nodes;
using Gleitzeit.Batch.Documents;
using Gleitzeit.Batch.Inputs;
using Gleitzeit.Batch.Providers;
using Gleitzeit.Batch.Serialization;

namespace Gleitzeit.Batch.Execution;

/// <summary>What a split document's sending came to: the combined answer, the extracted input, its parts and the calls made.</summary>
internal sealed record SplitOutcome(ChatCompletion Completion, LoadedInput Input, int Parts, int Sent);

/// <summary>
/// Sends a document too long for the window in parts (<c>long_documents: split</c>): the prompt over each part, then one
/// call that combines the parts' answers (in rounds, when even the answers are too long together). Every call is cached
/// under its own key, so editing one chapter re-sends that chapter's part and the combining call, nothing else.
/// </summary>
internal sealed class SplitSender(RunState run, KeyScope scope, ModelCatalog models, Func<IReadOnlyList<ComposedMessage>, JsonObject?, int, CancellationToken, Task<ChatCompletion>> call)
{
    private int _sent;

    public async Task<SplitOutcome> SendAsync(ItemWork miss, CancellationToken token)
    {
        var (_, input) = ItemKeying.Compose(miss, run.Settings, token, kept: run.Kept);
        var document = input?.Document ?? throw new InvalidInputException($"{miss.Item.File} is not a document any more: it cannot be split");
        // Parts are keyed under the digest the server reports, as every stored answer is.
        var verified = await models.VerifyAsync(miss.Model, token);
        var modelMax = scope.FitsContext ? verified?.ContextLength : null;
        var window = miss.WindowLimit > 0 ? miss.WindowLimit : run.Settings.ContextLength ?? modelMax ?? ContextFit.AssumedServerContext;
        var reserve = ContextFit.ReserveFor(miss.Template.Options);
        var overhead = TokenEstimate.Of(miss.Model, MessageComposer.Compose(miss.Template.Messages, miss.Item.File, input with { Text = string.Empty }));
        var digest = verified?.Digest ?? miss.Key?.Inputs["model_digest"]?.GetValue<string>();
        var budget = window - reserve - overhead - 64;
        for (var halvings = 0; ; halvings++)
        {
            try
            {
                return await SendPartsAsync(miss, input, document, budget, digest, modelMax, token);
            }
            catch (PartCutException) when (halvings < MaxHalvings && budget / 2 >= MinimumBudget)
            {
                // The server's tokenizer counts this text as denser than the estimate: parts half the size.
                budget /= 2;
            }
            catch (PartCutException cut)
            {
                throw new InvalidInputException(
                    $"{miss.Item.File}: even in parts of about {budget} estimated tokens, the server read {cut.PromptTokens} prompt tokens with a {cut.Window}-token window and cut the rest; nothing was kept. Set context_length (GleitzeitContextLength) higher, or use a model with a larger window",
                    DiagnosticCodes.PromptTooLong);
            }
        }
    }

    private const int MaxHalvings = 3;
    private const int MinimumBudget = 256;

    private async Task<SplitOutcome> SendPartsAsync(ItemWork miss, LoadedInput input, ExtractedDocument document, int budget, string? digest, int? modelMax, CancellationToken token)
    {
        var parts = DocumentParts.Split(document, budget, Tokens(miss));
        if (parts.Count == 0)
        {
            throw new InvalidInputException($"{miss.Item.File}: the document has no text to split: skipped (nothing to send)", DiagnosticCodes.EmptyFile, isSkip: true);
        }

        Task<ChatCompletion> Send(DocumentPart part) =>
            CachedAsync(miss, MessageComposer.Compose(miss.Template.Messages, $"{miss.Item.File} ({part.Label})", Part(input, part.Text)), part.Text, digest, modelMax, token);

        // The first part goes alone: until the server has taken a call, a wrong key or model costs one request.
        var first = await Send(parts[0]);
        ChatCompletion[] answers = [first, .. await Task.WhenAll(parts.Skip(1).Select(Send))];
        var combined = await CombineAsync(miss, [.. parts.Select((p, i) => (p.Label, answers[i].Text))], budget, digest, modelMax, token);
        var tokens = new TokenCounts { Prompt = answers.Sum(a => a.Tokens.Prompt) + combined.Tokens.Prompt, Completion = answers.Sum(a => a.Tokens.Completion) + combined.Tokens.Completion };
        return new SplitOutcome(combined with { Tokens = tokens }, input, parts.Count, _sent);
    }

    private static LoadedInput Part(LoadedInput input, string text) => new() { Text = text, ContentSha256 = Hashes.Sha256Hex(text) };

    private static Func<string, int> Tokens(ItemWork miss) => text => TokenEstimate.Of(miss.Model, [new ComposedMessage("user", text, [])]);

    // Answers too long to combine at once are combined in groups first, then those combinations.
    private async Task<ChatCompletion> CombineAsync(ItemWork miss, IReadOnlyList<(string Label, string Answer)> answers, int budget, string? digest, int? modelMax, CancellationToken token)
    {
        var count = Tokens(miss);
        var groups = new List<List<(string Label, string Answer)>> { new() };
        var size = 0;
        foreach (var answer in answers)
        {
            var tokens = count(answer.Answer) + 16;
            if (groups[^1].Count > 0 && size + tokens > budget)
            {
                groups.Add([]);
                size = 0;
            }

            groups[^1].Add(answer);
            size += tokens;
        }

        if (groups.Count > 1 && groups.Count < answers.Count)
        {
            var rounds = await Task.WhenAll(groups.Select(g => CombineOnceAsync(miss, g, digest, modelMax, token)));
            return await CombineAsync(miss, [.. rounds.Select((r, i) => ($"{groups[i][0].Label} to {groups[i][^1].Label}", r.Text))], budget, digest, modelMax, token);
        }

        return await CombineOnceAsync(miss, answers, digest, modelMax, token);
    }

    private Task<ChatCompletion> CombineOnceAsync(ItemWork miss, IReadOnlyList<(string Label, string Answer)> answers, string? digest, int? modelMax, CancellationToken token)
    {
        var text = new StringBuilder();
        text.Append(ItemKeying.CombinePromptOf(run.Settings)).Append("\n\nThe prompt was:\n").Append(miss.Template.Prompt).Append("\n\nThe document is ").Append(miss.Item.File).Append('.');
        foreach (var (label, answer) in answers)
        {
            text.Append("\n\nAnswer for ").Append(label).Append(":\n").Append(answer);
        }

        var messages = new List<ComposedMessage>();
        messages.AddRange(miss.Template.Messages.Where(m => m.Role == "system").Select(m => new ComposedMessage(m.Role, m.Content, [])));
        messages.Add(new ComposedMessage("user", text.ToString(), []));
        var combined = text.ToString();
        return CachedAsync(miss, messages, combined, digest, modelMax, token);
    }

    // One call of the split, served from the cache when its key is there.
    private async Task<ChatCompletion> CachedAsync(ItemWork miss, IReadOnlyList<ComposedMessage> messages, string content, string? digest, int? modelMax, CancellationToken token)
    {
        var input = new LoadedInput { Text = content, ContentSha256 = Hashes.Sha256Hex(content) };
        var key = ItemKeying.KeyOf(miss, scope, messages, input, digest, miss.Template.Options);
        if (run.Policy.Serves && run.Cache?.TryGet(key.Value) is { } entry)
        {
            return new ChatCompletion(entry.Response, entry.Tokens ?? new TokenCounts(), entry.Durations ?? new ModelDurations());
        }

        var estimate = TokenEstimate.Of(miss.Model, messages);
        var options = miss.Template.Options;
        if (scope.FitsContext)
        {
            var choice = ContextFit.Choose(estimate, miss.Template.Options, run.Settings.ContextLength, modelMax);
            options = ContextFit.WithWindow(miss.Template.Options, choice.Window);
        }

        var started = DateTimeOffset.UtcNow;
        var completion = await call(messages, options, estimate, token);
        Interlocked.Increment(ref _sent);
        for (var raises = 0; scope.FitsContext && ContextFit.Check(completion.Tokens.Prompt, options, modelMax, raises) is { Cut: true } check; raises++)
        {
            // The server cut this call's prompt: never keep that answer.
            if (check.Larger is not { } larger)
            {
                throw new PartCutException(check.Used, completion.Tokens.Prompt);
            }

            options = ContextFit.WithWindow(miss.Template.Options, larger);
            completion = await call(messages, options, estimate, token);
            Interlocked.Increment(ref _sent);
        }

        var seconds = Math.Round((DateTimeOffset.UtcNow - started).TotalSeconds, 3);
        run.TryStore(cache => cache.Put(MissSender.Entry(key, completion, seconds)));
        return completion;
    }

    private sealed class PartCutException(int window, int promptTokens) : Exception
    {
        public int Window { get; } = window;

        public int PromptTokens { get; } = promptTokens;
    }
}
