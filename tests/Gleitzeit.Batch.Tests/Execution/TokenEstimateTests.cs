using Gleitzeit.Batch.Execution;
using Gleitzeit.Batch.Inputs;

namespace Gleitzeit.Batch.Tests.Execution;

/// <summary>Prompt tokens before sending: OpenAI's models with their own tokenizer, the rest approximated generously.</summary>
public sealed class TokenEstimateTests
{
    private static readonly IReadOnlyList<ComposedMessage> HelloWorld = MessageComposer.Compose(PromptMessage.FromPrompt("hello world", null), null, null);

    [Theory]
    [InlineData("gpt-4o-mini")]
    [InlineData("openai/gpt-4o-mini")]
    [InlineData("gpt-4.1")]
    [InlineData("o3-mini")]
    [InlineData("gpt-4")]
    [InlineData("gpt-3.5-turbo")]
    public void OpenAiModels_AreCountedExactly(string model)
    {
        Assert.True(TokenEstimate.IsExact(model));

        // "hello world" is two tokens in both cl100k_base and o200k_base; the chat format adds 3 + 4 per message.
        Assert.Equal(2 + 4 + 3, TokenEstimate.Of(model, HelloWorld));
    }

    [Theory]
    [InlineData("llama3.2:latest")]
    [InlineData("qwen2.5-0.5b-instruct")]
    [InlineData("openai/optimus")]
    public void OtherModels_GetTheGenerousApproximation(string model)
    {
        Assert.False(TokenEstimate.IsExact(model));
        Assert.Equal(ContextFit.EstimateTokens(HelloWorld), TokenEstimate.Of(model, HelloWorld));
    }

    [Fact]
    public void ALongEnglishText_IsCountedCloseToItsRealLength()
    {
        var text = string.Join(' ', Enumerable.Repeat("The quick brown fox jumps over the lazy dog.", 100));
        var messages = MessageComposer.Compose(PromptMessage.FromPrompt(text, null), null, null);

        var exact = TokenEstimate.Of("gpt-4o", messages);

        Assert.InRange(exact, 900, 1100);
        Assert.True(ContextFit.EstimateTokens(messages) > exact, "the approximation stays on the generous side");
    }
}
