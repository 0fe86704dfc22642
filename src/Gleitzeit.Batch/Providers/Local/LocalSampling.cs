using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LLama.Sampling;

namespace Gleitzeit.Batch.Providers.Local;

/// <summary>
/// Generation options by their Ollama names (as templates and workflows write them) for llama.cpp's sampler, and
/// <c>format: json</c> as a JSON grammar. A JSON schema is refused: llama.cpp's schema-to-grammar converter is not
/// part of what LLamaSharp exposes.
/// </summary>
internal sealed record LocalSampling
{
    /// <summary>Answer length when <c>num_predict</c> is unset: the server providers stop at the model's end token, which a small model may never give.</summary>
    public const int DefaultMaxTokens = 1024;

    private const string Accepted = "temperature, seed, num_predict/max_tokens, top_k, top_p, min_p, repeat_penalty, repeat_last_n, presence_penalty, frequency_penalty, stop";

    // The generic JSON grammar of llama.cpp's grammars/json.gbnf, rooted at an object as Ollama's format: json is.
    private const string JsonGrammar = """
        root   ::= object
        value  ::= object | array | string | number | ("true" | "false" | "null") ws
        object ::= "{" ws ( string ":" ws value ("," ws string ":" ws value)* )? "}" ws
        array  ::= "[" ws ( value ("," ws value)* )? "]" ws
        string ::= "\"" ( [^"\\\x7F\x00-\x1F] | "\\" (["\\bfnrt] | "u" [0-9a-fA-F]{4}) )* "\"" ws
        number ::= ("-"? ([0-9] | [1-9] [0-9]{0,15})) ("." [0-9]+)? ([eE] [-+]? [0-9] [1-9]{0,15})? ws
        ws     ::= | " " | "\n" [ \t]{0,20}
        """;

    public float Temperature { get; init; } = 0.8f;

    public uint? Seed { get; init; }

    public int MaxTokens { get; init; } = DefaultMaxTokens;

    public int? TopK { get; init; }

    public float? TopP { get; init; }

    public float? MinP { get; init; }

    public float? RepeatPenalty { get; init; }

    public int? RepeatLastN { get; init; }

    public float? PresencePenalty { get; init; }

    public float? FrequencyPenalty { get; init; }

    public IReadOnlyList<string> Stop { get; init; } = [];

    /// <summary>Whether the answer must be a JSON object.</summary>
    public bool Json { get; init; }

    /// <summary>The sampling for a call's options and format.</summary>
    /// <exception cref="ChatProviderException">An option or format the local provider does not take.</exception>
    public static LocalSampling From(JsonObject? options, JsonNode? format)
    {
        var sampling = new LocalSampling();
        foreach (var (name, value) in options ?? [])
        {
            sampling = name switch
            {
                "temperature" => sampling with { Temperature = (float)Number(name, value) },
                "seed" => sampling with { Seed = unchecked((uint)(long)Number(name, value)) },
                "num_predict" or "max_tokens" => sampling with { MaxTokens = Number(name, value) is var n && n < 0 ? int.MaxValue : (int)Math.Min(n, int.MaxValue) },
                "top_k" => sampling with { TopK = (int)Number(name, value) },
                "top_p" => sampling with { TopP = (float)Number(name, value) },
                "min_p" => sampling with { MinP = (float)Number(name, value) },
                "repeat_penalty" => sampling with { RepeatPenalty = (float)Number(name, value) },
                "repeat_last_n" => sampling with { RepeatLastN = (int)Number(name, value) },
                "presence_penalty" => sampling with { PresencePenalty = (float)Number(name, value) },
                "frequency_penalty" => sampling with { FrequencyPenalty = (float)Number(name, value) },
                "stop" => sampling with { Stop = value is JsonArray list ? [.. list.Select(s => s?.ToString() ?? string.Empty).Where(s => s.Length > 0)] : [value?.ToString() ?? string.Empty] },
                "num_ctx" => throw ChatProviderException.Rejected("option 'num_ctx' is not taken by the local provider: its window is set once per process with context_length (GleitzeitContextLength, --context-length)"),
                _ => throw ChatProviderException.Rejected($"option '{name}' is not one the local provider takes (it takes {Accepted})"),
            };
        }

        return format switch
        {
            null => sampling,
            JsonValue text when text.TryGetValue<string>(out var kind) && kind == "json" => sampling with { Json = true },
            _ => throw ChatProviderException.Rejected("the local provider takes format: json, not a JSON schema; use an Ollama or OpenAI-compatible server for schemas"),
        };
    }

    /// <summary>A sampling pipeline for one generation.</summary>
    public DefaultSamplingPipeline Pipeline()
    {
        using var defaults = new DefaultSamplingPipeline();
        return new DefaultSamplingPipeline
        {
            Temperature = Temperature,
            Seed = Seed ?? defaults.Seed,
            TopK = TopK ?? defaults.TopK,
            TopP = TopP ?? defaults.TopP,
            MinP = MinP ?? defaults.MinP,
            RepeatPenalty = RepeatPenalty ?? defaults.RepeatPenalty,
            PenaltyCount = RepeatLastN ?? defaults.PenaltyCount,
            PresencePenalty = PresencePenalty ?? defaults.PresencePenalty,
            FrequencyPenalty = FrequencyPenalty ?? defaults.FrequencyPenalty,
            Grammar = Json ? new LLama.Sampling.Grammar(JsonGrammar, "root") : null,
        };
    }

    /// <summary>Where the answer ends when it has reached a stop sequence, or null.</summary>
    public int? StopAt(StringBuilder text)
    {
        if (Stop.Count == 0)
        {
            return null;
        }

        var tail = text.ToString(Math.Max(0, text.Length - (Stop.Max(s => s.Length) * 2)), Math.Min(text.Length, Stop.Max(s => s.Length) * 2));
        foreach (var stop in Stop)
        {
            var at = tail.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0)
            {
                return text.Length - tail.Length + at;
            }
        }

        return null;
    }

    private static double Number(string name, JsonNode? value) =>
        value is JsonValue number && number.GetValueKind() == JsonValueKind.Number
            ? double.Parse(number.ToJsonString(), CultureInfo.InvariantCulture)
            : throw ChatProviderException.Rejected($"option '{name}' must be a number");
}
