using Gleitzeit.Batch.Providers.OpenAi;

namespace Gleitzeit.Batch.Tests.Providers;

public sealed class ContextWindowsTests
{
    [Theory]
    [InlineData("This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens.", 8192)]
    [InlineData("This model's maximum context length is 128,000 tokens. However, you requested 130000 tokens (129000 in the messages, 1000 in the completion).", 128000)]
    [InlineData("the request exceeds the available context size (4096 tokens), try increasing it", 4096)]
    [InlineData("prompt is too long", null)]
    public void TheWindowAServerNames_IsRead(string message, int? window) => Assert.Equal(window, ContextWindows.Stated(message));
}
