using Gleitzeit.Batch.Caching;
using Gleitzeit.Batch.Configuration;
using Gleitzeit.Batch.Inputs;
using Gleitzeit.Batch.Planning;
using Gleitzeit.Batch.Providers;

namespace Gleitzeit.Batch.Execution;

/// <summary>
/// Reads items and works out their cache keys before anything is sent, keeping hashes in memory (and, for a sending
/// run, the text of small misses within <see cref="KeptInputs"/>' bound): a file that cannot be sent (unreadable,
/// invalid, empty, too long for the model) is known before the first call.
/// </summary>
internal static class ItemKeying
{
    /// <summary>Keys for <paramref name="items"/>, with each model's digest and context length from <paramref name="modelOf"/>.</summary>
    /// <param name="kept">Where the text of misses is kept for sending (a run that sends); null keeps none.</param>
    public static async Task<List<ItemWork>> ComputeAsync(BatchPlan plan, IEnumerable<BatchItem> items, AnswerTiers answers, BatchSettings settings, KeyScope scope, Func<string, ModelMemo?> modelOf, KeptInputs? kept, CancellationToken cancellationToken)
    {
        var work = items.Select(i => new ItemWork { Item = i, Template = plan.Templates[i.Template] }).ToArray();
        var models = work.Select(w => w.Model).Distinct(StringComparer.Ordinal).ToDictionary(m => m, modelOf, StringComparer.Ordinal);
        await Parallel.ForEachAsync(
            Enumerable.Range(0, work.Length),
            new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken },
            (index, token) =>
            {
                work[index] = Key(work[index], answers, settings, scope, models[work[index].Model], kept, token);
                return ValueTask.CompletedTask;
            });
        return [.. work];
    }

    /// <summary>
    /// The key of an item whose messages are composed, for a given model digest and options. A document's key stands on
    /// its bytes and its extractor, not on its text (which they determine, window and all): a hit never extracts.
    /// </summary>
    public static CacheKey KeyOf(ItemWork work, KeyScope scope, IReadOnlyList<ComposedMessage> messages, LoadedInput? input, string? digest, System.Text.Json.Nodes.JsonObject? options, string? combinePrompt = null)
    {
        if (input?.Extractor is not null)
        {
            input = input.ForKey();
            messages = MessageComposer.Compose(work.Template.Messages, work.Item.File, input);
            options = work.Template.Options;
        }

        return CacheKey.Compute(
            messages,
            scope.KeyModel(work.Model),
            digest,
            options,
            work.Template.Format,
            work.Item.FullPath is null ? null : work.Item.File,
            input?.ContentSha256,
            work.Template.MessagesHash,
            scope.Service,
            combinePrompt is null ? scope.Rules.KeyText : $"{scope.Rules.KeyText};split;combine={Serialization.Hashes.Sha256Hex(combinePrompt)}");
    }

    /// <summary>Whether a document of this item too long for the window is split (its <c>LongDocuments</c>, else <c>long_documents</c>).</summary>
    public static bool Splits(ItemWork work, BatchSettings settings) => work.Template.SplitLongDocuments ?? settings.SplitLongDocuments;

    /// <summary>The prompt that combines a split document's parts: the setting's, or the default.</summary>
    public static string CombinePromptOf(BatchSettings settings) => settings.CombinePrompt is { Length: > 0 } own
        ? own
        : "The answers below were given to the same prompt, each for one consecutive part of one document. Combine them into one answer to that prompt for the whole document, in the form a single answer would have; do not mention the parts.";

    /// <summary>Reads the item's file (when it has one) and composes what the model receives; a document is extracted unless <paramref name="extract"/> is false.</summary>
    /// <param name="kept">A sending run's kept texts: this item's is taken from it (and its room given back) instead of reading the file again.</param>
    public static (IReadOnlyList<ComposedMessage> Messages, LoadedInput? Input) Compose(ItemWork work, BatchSettings settings, CancellationToken cancellationToken, bool extract = true, KeptInputs? kept = null)
    {
        var input = work.KeptInput is { } document && extract
            ? document
            : extract && kept?.Take(work.Item.File) is { } text
            ? text
            : work.Item.FullPath is null
            ? null
            : InputLoader.Load(work.Item.FullPath, new InputOptions(work.Template.Vision, settings.MaxFileSize, settings.SendEmptyFiles, settings.Spell(Contract.Settings.MaxFileSize), VisionHint(settings)), cancellationToken);
        if (extract && input is { IsDeferredDocument: true })
        {
            input = Extract(work, input, settings, cancellationToken);
        }

        return (MessageComposer.Compose(work.Template.Messages, work.Item.File, input), input);
    }

    /// <summary>A document's text, extracted within the run's limits (the file size limit held already when it was read; the time limit is timeout_per_file).</summary>
    public static LoadedInput Extract(ItemWork work, LoadedInput input, BatchSettings settings, CancellationToken cancellationToken) =>
        InputLoader.Extract(input, work.Item.File, Documents.DocumentLimits.Default with { TimeLimit = settings.TimeoutPerFile }, settings.SendEmptyFiles, cancellationToken);

    private static string VisionHint(BatchSettings settings) => settings.Surface switch
    {
        SettingLayer.MSBuild => "for images set Vision=\"true\" on the item",
        SettingLayer.CommandLine => "for images use --vision",
        _ => "for images use method: llm/vision",
    };

    private static ItemWork Key(ItemWork work, AnswerTiers answers, BatchSettings settings, KeyScope scope, ModelMemo? model, KeptInputs? kept, CancellationToken token)
    {
        try
        {
            var (messages, input) = Compose(work, settings, token, extract: false);
            if (input is { IsDeferredDocument: true })
            {
                var documentKey = KeyOf(work, scope, messages, input, model?.Digest, work.Template.Options);
                if (answers.Contains(documentKey.Value))
                {
                    return work with { Options = work.Template.Options, Key = documentKey, LooksCached = true, Extractor = input.Extractor };
                }

                if (Splits(work, settings) && KeyOf(work, scope, messages, input, model?.Digest, work.Template.Options, CombinePromptOf(settings)) is var splitKey && answers.Contains(splitKey.Value))
                {
                    return work with { Options = work.Template.Options, Key = splitKey, LooksCached = true, Extractor = input.Extractor, Split = true };
                }

                // A miss: its text decides whether it fits the window (and what the budget counts).
                input = Extract(work, input, settings, token);
                messages = MessageComposer.Compose(work.Template.Messages, work.Item.File, input);
                work = work with { Extractor = input.Extractor, KeptInput = input };
            }

            var estimate = TokenEstimate.Of(work.Model, messages, exact: TokenEstimate.Counted(settings) || (input?.Document is not null && Splits(work, settings)));
            var options = work.Template.Options;
            if (scope.FitsContext)
            {
                var choice = ContextFit.Choose(estimate, work.Template.Options, settings.ContextLength, model?.ContextLength);
                if (!choice.Fits && input?.Document is not null && Splits(work, settings))
                {
                    return SplitWork(work, scope, input, model, settings, estimate, choice.Limit);
                }

                if (!choice.Fits)
                {
                    return work with { EstimatedTokens = estimate, Error = TooLong(work, choice, model?.ContextLength), ErrorCode = DiagnosticCodes.PromptTooLong };
                }

                options = ContextFit.WithWindow(work.Template.Options, choice.Window);
            }

            if (!scope.FitsContext && input?.Document is not null && Splits(work, settings) && (settings.ContextLength ?? model?.ContextLength) is { } window
                && estimate + ContextFit.ReserveFor(work.Template.Options) > window)
            {
                return SplitWork(work, scope, input, model, settings, estimate, window);
            }

            var key = KeyOf(work, scope, messages, input, model?.Digest, options);
            var looksCached = answers.Contains(key.Value);
            if (!looksCached && input is { Text: not null, Document: null })
            {
                // A miss is sent what was keyed, read once (within a memory bound; beyond it the file is read again).
                kept?.Keep(work.Item.File, input);
            }

            return work with { Options = options, Key = key, EstimatedTokens = estimate, LooksCached = looksCached };
        }
        catch (InvalidInputException ex)
        {
            return work with { Error = ex.Message, ErrorCode = ex.Code, IsSkip = ex.IsSkip };
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return work with { Error = $"cannot read {work.Item.File}: {ex.Message}", ErrorCode = DiagnosticCodes.FileNotFound };
        }
    }

    private static ItemWork SplitWork(ItemWork work, KeyScope scope, LoadedInput input, ModelMemo? model, BatchSettings settings, int estimate, int window) => work with
    {
        Options = work.Template.Options,
        Key = KeyOf(work, scope, [], input, model?.Digest, work.Template.Options, CombinePromptOf(settings)),
        EstimatedTokens = estimate,
        Extractor = input.Extractor,
        Split = true,
        WindowLimit = window,
    };

    /// <summary>The message for a prompt that cannot fit: which file, how many tokens, the limit.</summary>
    public static string TooLong(ItemWork work, ContextChoice choice, int? modelMax) =>
        $"prompt too long for the model's context window: {work.Item.File} needs about {choice.Needed} tokens (prompt and answer), "
        + $"and {(modelMax is { } max ? $"{work.Model} takes at most {max}" : $"the window is {choice.Limit}")}; "
        + "it was not sent (it would have been cut short): shorten or split the file, or choose a model with a longer context";
}

/// <summary>What keys depend on beyond the item: who answers, how it names models, whether prompts are fitted to a context window.</summary>
/// <param name="Service">The service's identity for hosted providers; null where the digest pins the weights.</param>
/// <param name="NormalizeModel">The model name as the server resolves it.</param>
/// <param name="FitsContext">Whether the server cuts long prompts silently, so windows are chosen per item.</param>
/// <param name="KeyModel">The model's name in keys (the local model's is fixed: its digest names it).</param>
internal sealed record KeyScope(string? Service, Func<string, string> NormalizeModel, bool FitsContext, Func<string, string> KeyModel)
{
    /// <summary>What counts as an answer in this run: part of every key when not the defaults.</summary>
    public AnswerRules Rules { get; init; } = AnswerRules.Default;

    public static KeyScope Of(IChatProvider provider) => new(provider.ServiceIdentity, provider.NormalizeModel, provider.TruncatesSilently, provider.KeyModelName);

    public static KeyScope Of(BatchSettings settings) => new(
        ChatProviders.ServiceIdentity(settings),
        model => ChatProviders.NormalizeModel(settings, model),
        ProviderPresets.For(settings.Provider) is { OpenAiCompatible: false, InProcess: false },
        model => ChatProviders.KeyModelName(settings, model))
    {
        Rules = RulesOf(settings),
    };

    public static AnswerRules RulesOf(BatchSettings settings) => new(settings.AcceptEmptyAnswers, settings.KeepReasoning);
}

/// <summary>
/// The text of a sending run's misses, kept from keying to sending so a run of many small files reads each once: at most
/// <see cref="MaxChars"/> at a time (taking one gives its room back) and none longer than <see cref="MaxCharsPerFile"/>
/// (those, and any beyond the bound, are read again when their turn comes).
/// </summary>
internal sealed class KeptInputs
{
    public const long MaxChars = 8L * 1024 * 1024;
    public const int MaxCharsPerFile = 16 * 1024;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, LoadedInput> _inputs = new(StringComparer.Ordinal);
    private long _left = MaxChars;

    /// <summary>Keeps <paramref name="input"/> for <paramref name="file"/> when it fits; false when it does not.</summary>
    public bool Keep(string file, LoadedInput input)
    {
        // A file keyed again (its model's digest changed) keeps its newest read.
        Take(file);
        var length = input.Text?.Length ?? int.MaxValue;
        if (length > MaxCharsPerFile)
        {
            return false;
        }

        if (Interlocked.Add(ref _left, -length) < 0)
        {
            Interlocked.Add(ref _left, length);
            return false;
        }

        _inputs[file] = input;
        return true;
    }

    /// <summary>The kept input of <paramref name="file"/>, removed (its room given back); null when none was kept.</summary>
    public LoadedInput? Take(string file)
    {
        if (!_inputs.TryRemove(file, out var input))
        {
            return null;
        }

        Interlocked.Add(ref _left, input.Text!.Length);
        return input;
    }
}
