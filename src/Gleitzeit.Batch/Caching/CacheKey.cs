using System.Text.Json.Nodes;
using Gleitzeit.Batch.Inputs;
using Gleitzeit.Batch.Serialization;

namespace Gleitzeit.Batch.Caching;

/// <summary>
/// A cache key: SHA-256 over the canonical encoding of exactly what the model receives and what
/// shapes its answer (<see cref="Inputs"/>). <see cref="Source"/> says where those came from, so a miss can be explained.
/// </summary>
/// <param name="Value">Lower-case hex SHA-256 of the canonical <paramref name="Inputs"/>.</param>
/// <param name="Inputs">Key material: schema version, model, digest, options, format, messages (content hashed).</param>
/// <param name="Source">Not hashed: the item's file, its content hash and the prompt template's hash.</param>
public sealed record CacheKey(string Value, JsonObject Inputs, JsonObject Source)
{
    /// <summary>Bump when the key's encoding or inputs change; every old entry then misses.</summary>
    public const string Schema = "gleitzeit.cache.v2";

    /// <summary>Computes the key of one item.</summary>
    public static CacheKey Compute(
        IReadOnlyList<ComposedMessage> messages,
        string model,
        string? modelDigest,
        JsonObject? options,
        JsonNode? format,
        string? file,
        string? contentSha256,
        string templateSha256,
        string? service = null,
        string? answerRules = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var messageArray = new JsonArray();
        foreach (var message in messages)
        {
            var entry = new JsonObject
            {
                ["role"] = message.Role,
                ["content_sha256"] = Hashes.Sha256Hex(message.Content),
            };
            if (message.Images.Count > 0)
            {
                entry["images"] = new JsonArray([.. message.Images.Select(i => (JsonNode)new JsonObject
                {
                    ["media_type"] = i.MediaType,
                    ["sha256"] = i.Sha256,
                })]);
            }

            messageArray.Add((JsonNode)entry);
        }

        var inputs = new JsonObject
        {
            ["schema"] = Schema,
            ["model"] = model,
            ["model_digest"] = modelDigest,
            ["options"] = CanonicalJson.Normalize(options ?? []),
            ["format"] = FormatDescriptor(format),
            ["messages"] = messageArray,
        };
        if (answerRules is not null)
        {
            // empty_answers / keep_reasoning away from their defaults: another answer for the same request.
            inputs["answer_rules"] = answerRules;
        }

        if (service is not null)
        {
            // Hosted services have no digest: the same model name is different weights on different services.
            inputs["service"] = service;
        }

        var source = new JsonObject
        {
            ["file"] = file,
            ["content_sha256"] = contentSha256,
            ["template_sha256"] = templateSha256,
        };
        return new CacheKey(HashOf(inputs), inputs, source);
    }

    /// <summary>
    /// The key of the same prompt under the weights of <paramref name="digest"/>: what a miss keyed with a remembered
    /// digest is stored under once the server reports another.
    /// </summary>
    public CacheKey WithDigest(string? digest)
    {
        if (Inputs["model_digest"]?.GetValue<string>() == digest)
        {
            return this;
        }

        var inputs = (JsonObject)Inputs.DeepClone();
        inputs["model_digest"] = digest;
        return new CacheKey(HashOf(inputs), inputs, Source);
    }

    /// <summary>The prompt's identity whatever the model's digest: what processes sharing a cache lock while one of them sends it.</summary>
    public string Identity
    {
        get
        {
            if (_identity is null)
            {
                var inputs = (JsonObject)Inputs.DeepClone();
                inputs.Remove("model_digest");
                _identity = HashOf(inputs);
            }

            return _identity;
        }
    }

    private string? _identity;

    /// <summary>The key value for given key material; used to verify a stored entry.</summary>
    public static string HashOf(JsonObject inputs) => CanonicalJson.Sha256Hex(inputs);

    private static JsonNode? FormatDescriptor(JsonNode? format) => format switch
    {
        null => null,
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        _ => new JsonObject { ["schema_sha256"] = CanonicalJson.Sha256Hex(format) },
    };
}
