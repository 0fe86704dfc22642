using System.Collections.Concurrent;
using Gleitzeit.Batch.Inputs;
using Microsoft.ML.Tokenizers;

namespace Gleitzeit.Batch.Execution;

/// <summary>
/// A prompt's tokens before it is sent. OpenAI's model families are counted with their own tokenizer (tiktoken's
/// o200k_base or cl100k_base, through Microsoft.ML.Tokenizers), plus the chat format's few tokens per message;
/// every other model gets <see cref="ContextFit.EstimateTokens"/>, a generous approximation (three UTF-8 bytes a token).
/// Loading a tokenizer costs about 0.4 s and 0.7 s of CPU before the first request, so it is loaded only where a
/// number depends on the count: a token budget or quota the user set, or a document split to fit a window.
/// </summary>
internal static class TokenEstimate
{
    private const int PerMessage = 4;
    private static readonly ConcurrentDictionary<string, Tokenizer?> Tokenizers = new(StringComparer.Ordinal);

    /// <summary>Whether a run's estimates must be exact: it has a token budget (<c>max_tokens_total</c>) or quota (<c>tokens_per_minute</c>).</summary>
    public static bool Counted(Configuration.BatchSettings settings) => settings.MaxTokensTotal is not null || settings.TokensPerMinute is not null;

    /// <summary>The prompt tokens of <paramref name="messages"/> for <paramref name="model"/>: counted when <paramref name="exact"/> and the model's tokenizer is known.</summary>
    public static int Of(string model, IReadOnlyList<ComposedMessage> messages, bool exact = true)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (!exact || TokenizerFor(model) is not { } tokenizer || messages.Any(m => m.Images.Count > 0))
        {
            return ContextFit.EstimateTokens(messages);
        }

        long tokens = 3;
        foreach (var message in messages)
        {
            tokens += tokenizer.CountTokens(message.Content) + PerMessage;
        }

        return (int)Math.Min(tokens, int.MaxValue / 4);
    }

    /// <summary>Whether <paramref name="model"/> is counted exactly (an OpenAI model family).</summary>
    public static bool IsExact(string model) => TokenizerFor(model) is not null;

    private static Tokenizer? TokenizerFor(string model)
    {
        // GitHub Models and routers name OpenAI's models with a publisher prefix: openai/gpt-4o-mini.
        var name = model.Trim();
        name = name[(name.LastIndexOf('/') + 1)..];
        var family = name.StartsWith("gpt-4o", StringComparison.OrdinalIgnoreCase) || name.StartsWith("gpt-4.1", StringComparison.OrdinalIgnoreCase)
            || name.StartsWith("gpt-5", StringComparison.OrdinalIgnoreCase) || name.StartsWith("chatgpt-4o", StringComparison.OrdinalIgnoreCase)
            || (name.Length > 1 && name[0] is 'o' or 'O' && char.IsAsciiDigit(name[1]))
                ? "gpt-4o"
            : name.StartsWith("gpt-4", StringComparison.OrdinalIgnoreCase) || name.StartsWith("gpt-3.5", StringComparison.OrdinalIgnoreCase)
                ? "gpt-4"
            : null;
        return family is null ? null : Tokenizers.GetOrAdd(family, static f =>
        {
            try
            {
                return TiktokenTokenizer.CreateForModel(f);
            }
            catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException or IOException or ArgumentException)
            {
                return null;
            }
        });
    }
}
