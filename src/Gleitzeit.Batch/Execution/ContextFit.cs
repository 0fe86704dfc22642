using System.Numerics;
using System.Text;
using System.Text.Json.Nodes;
using Gleitzeit.Batch.Inputs;

namespace Gleitzeit.Batch.Execution;

/// <summary>
/// Keeps prompts from being truncated. Ollama cuts a prompt longer than its context window (<c>num_ctx</c>) without an
/// error, keeping its end. So each item's prompt is estimated; one that does not fit the server's default window is
/// sent with a larger <c>num_ctx</c> chosen from a few fixed sizes (powers of two, so the server reloads the model once
/// per size, not per item), derived from that item alone (so adding a file never changes another item's key); one
/// that cannot fit the model at all fails without being sent. After the call, the prompt tokens the server reports
/// are checked: a prompt that filled the window was cut, and is sent again with a larger one.
/// </summary>
internal static class ContextFit
{
    /// <summary>The window assumed when no <c>num_ctx</c> is sent: Ollama's default has been 2048 or more.</summary>
    public const int AssumedServerContext = 2048;

    /// <summary>Room kept for the answer when no <c>num_predict</c> caps it.</summary>
    public const int AnswerReserve = 512;

    /// <summary>The smallest window asked for when the default does not fit.</summary>
    public const int SmallestRaisedContext = 4096;

    /// <summary>
    /// A generous estimate of a prompt's tokens: three UTF-8 bytes per token (English text runs about four), a few
    /// tokens per message for the chat template, and a fixed number per image.
    /// </summary>
    public static int EstimateTokens(IReadOnlyList<ComposedMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        long tokens = 0;
        foreach (var message in messages)
        {
            tokens += (Encoding.UTF8.GetByteCount(message.Content) + 2) / 3 + 8 + (message.Images.Count * 768);
        }

        return (int)Math.Min(tokens, int.MaxValue / 4);
    }

    /// <summary>What window an item asks for, and whether its prompt fits.</summary>
    /// <param name="estimate">The prompt's estimated tokens.</param>
    /// <param name="options">The template's options (an explicit <c>num_ctx</c> or <c>num_predict</c> is respected).</param>
    /// <param name="configured">A window the settings fix for every item, or null for auto.</param>
    /// <param name="modelMax">The model's trained context, when known.</param>
    public static ContextChoice Choose(int estimate, JsonObject? options, int? configured, int? modelMax)
    {
        var needed = estimate + ReserveFor(options);
        int? explicitContext = WindowOf(options);
        var window = explicitContext ?? configured;
        if (window is null && needed > AssumedServerContext)
        {
            window = (int)Math.Min(BitOperations.RoundUpToPowerOf2((uint)Math.Max(needed, SmallestRaisedContext)), 1 << 30);
        }

        if (window is not null && explicitContext is null && modelMax is { } max && window > max)
        {
            window = Math.Max(max, AssumedServerContext);
        }

        var limit = window ?? AssumedServerContext;
        if (modelMax is { } trained && trained < limit)
        {
            limit = trained;
        }

        return new ContextChoice(explicitContext is null ? window : null, needed, limit, needed <= limit);
    }

    /// <summary>The room an answer needs in the window: its <c>num_predict</c> cap, else <see cref="AnswerReserve"/>.</summary>
    public static int ReserveFor(JsonObject? options) =>
        WholeNumber(options?["num_predict"]) is { } cap && cap > 0 ? (int)Math.Min(cap, 1 << 20) : AnswerReserve;

    /// <summary>The <c>num_ctx</c> of some options, or null.</summary>
    public static int? WindowOf(JsonObject? options) =>
        WholeNumber(options?["num_ctx"]) is { } window && window > 0 ? (int)Math.Min(window, int.MaxValue) : null;

    // Options come from YAML (long), MSBuild metadata (double) or here (int): read any JSON number as a whole one.
    private static long? WholeNumber(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == System.Text.Json.JsonValueKind.Number
        && double.TryParse(value.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var number)
        && number == Math.Floor(number) && Math.Abs(number) < long.MaxValue
            ? (long)number
            : null;

    /// <summary>The options to send: the template's, with the chosen window added.</summary>
    public static JsonObject? WithWindow(JsonObject? options, int? window)
    {
        if (window is null)
        {
            return options;
        }

        var copy = options?.DeepClone().AsObject() ?? [];
        copy["num_ctx"] = window.Value;
        return copy;
    }

    /// <summary>How often a cut prompt is sent again with a larger window before the item fails.</summary>
    public const int MaxWindowRaises = 6;

    /// <summary>The window the server used: what the options ask for (its default when they do not), never more than the model takes.</summary>
    public static int ServedWindow(JsonObject? options, int? modelMax) => Math.Min(WindowOf(options) ?? AssumedServerContext, modelMax ?? int.MaxValue);

    /// <summary>
    /// After an answer whose server read <paramref name="promptTokens"/> with <paramref name="options"/>: whether it cut
    /// the prompt, and if so the larger window to send it again with (null when the model takes no larger one, or the
    /// <see cref="MaxWindowRaises"/> raises are spent). An answer to a cut prompt is never kept.
    /// </summary>
    public static WindowCheck Check(int promptTokens, JsonObject? options, int? modelMax, int raises)
    {
        var used = ServedWindow(options, modelMax);
        if (!LooksTruncated(promptTokens, used))
        {
            return new WindowCheck(false, used, null);
        }

        return new WindowCheck(true, used, raises >= MaxWindowRaises ? null : Larger(used, promptTokens, modelMax));
    }

    /// <summary>Whether the server's prompt token count says the prompt filled the window (and so was cut).</summary>
    public static bool LooksTruncated(int promptTokens, int window) => promptTokens >= window - (AnswerReserve / 2);

    /// <summary>The next window after a cut prompt; null when the model cannot take a larger one.</summary>
    public static int? Larger(int window, int promptTokens, int? modelMax)
    {
        var next = (int)Math.Min(BitOperations.RoundUpToPowerOf2((uint)Math.Max(window * 2L, promptTokens * 2L).ClampToInt()), 1 << 30);
        if (modelMax is { } max)
        {
            next = Math.Min(next, max);
        }

        return next > window ? next : null;
    }

    private static int ClampToInt(this long value) => (int)Math.Min(value, 1 << 30);
}

/// <summary>An item's window.</summary>
/// <param name="Window">The <c>num_ctx</c> to add to the request; null to send the template's options unchanged.</param>
/// <param name="Needed">Estimated prompt tokens plus room for the answer.</param>
/// <param name="Limit">The window the prompt must fit: the one sent, or the server's default.</param>
/// <param name="Fits">Whether it fits (and the model can take the window).</param>
internal sealed record ContextChoice(int? Window, int Needed, int Limit, bool Fits);

/// <summary>What an answer's prompt token count says of its window.</summary>
/// <param name="Cut">The server read as many prompt tokens as the window holds: it cut the prompt.</param>
/// <param name="Used">The window the server used.</param>
/// <param name="Larger">For a cut prompt, the window to send it again with; null when it cannot be mended.</param>
internal sealed record WindowCheck(bool Cut, int Used, int? Larger);
