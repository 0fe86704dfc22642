namespace Gleitzeit.Testing;

/// <summary>How the OpenAI test server expects the key: the header a real provider reads.</summary>
public enum OpenAiAuthStyle
{
    /// <summary><c>Authorization: Bearer KEY</c> (OpenAI, vLLM, llama-server, LiteLLM, GitHub Models).</summary>
    Bearer,

    /// <summary><c>api-key: KEY</c> (Azure OpenAI).</summary>
    ApiKeyHeader,
}
