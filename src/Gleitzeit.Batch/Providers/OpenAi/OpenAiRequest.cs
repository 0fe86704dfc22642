using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gleitzeit.Batch.Inputs;
using OpenAI.Chat;

namespace Gleitzeit.Batch.Providers.OpenAi;

/// <summary>What the model receives, in the Chat Completions shapes: messages with images as data URLs, and options mapped from their Ollama names.</summary>
internal static class OpenAiRequest
{
    public static List<ChatMessage> Messages(IReadOnlyList<ComposedMessage> messages)
    {
        var result = new List<ChatMessage>(messages.Count);
        foreach (var message in messages)
        {
            result.Add(message.Role switch
            {
                "system" => new SystemChatMessage(message.Content),
                "assistant" => new AssistantChatMessage(message.Content),
                _ when message.Images.Count == 0 => new UserChatMessage(message.Content),
                _ => new UserChatMessage([
                    ChatMessageContentPart.CreateTextPart(message.Content),
                    .. message.Images.Select(i => ChatMessageContentPart.CreateImagePart(BinaryData.FromBytes(i.Bytes), i.MediaType)),
                ]),
            });
        }

        return result;
    }

    /// <summary>
    /// Options by their Ollama names, the way templates and workflows write them, as Chat Completions options;
    /// <c>json</c> becomes <c>json_object</c>, a schema becomes a strict <c>json_schema</c>.
    /// </summary>
    /// <exception cref="ChatProviderException">An option that OpenAI-compatible servers do not take.</exception>
    public static ChatCompletionOptions Options(JsonObject? options, JsonNode? format)
    {
        var result = new ChatCompletionOptions();
        foreach (var (name, value) in options ?? [])
        {
            switch (name)
            {
                case "temperature":
                    result.Temperature = (float)Number(name, value);
                    break;
                case "top_p":
                    result.TopP = (float)Number(name, value);
                    break;
                case "seed":
                    result.Seed = (long)Number(name, value);
                    break;
                case "num_predict" or "max_tokens":
                    result.MaxOutputTokenCount = (int)Number(name, value);
                    break;
                case "frequency_penalty":
                    result.FrequencyPenalty = (float)Number(name, value);
                    break;
                case "presence_penalty":
                    result.PresencePenalty = (float)Number(name, value);
                    break;
                case "stop":
                    foreach (var stop in value is JsonArray list ? list.Select(s => s?.ToString() ?? string.Empty) : [value?.ToString() ?? string.Empty])
                    {
                        result.StopSequences.Add(stop);
                    }

                    break;
                default:
                    throw ChatProviderException.Rejected($"option '{name}' is not one OpenAI-compatible servers take (they take temperature, top_p, seed, num_predict/max_tokens, frequency_penalty, presence_penalty, stop)");
            }
        }

        result.ResponseFormat = format switch
        {
            null => null,
            JsonValue text when text.TryGetValue<string>(out var name) && name == "json" => ChatResponseFormat.CreateJsonObjectFormat(),
            JsonValue => null,
            var schema => ChatResponseFormat.CreateJsonSchemaFormat("response", BinaryData.FromString(schema.ToJsonString()), jsonSchemaIsStrict: true),
        };
        return result;
    }

    private static double Number(string name, JsonNode? value) =>
        value is JsonValue number && number.GetValueKind() == JsonValueKind.Number
            ? double.Parse(number.ToJsonString(), CultureInfo.InvariantCulture)
            : throw ChatProviderException.Rejected($"option '{name}' must be a number");
}
