using Gleitzeit.Batch.Providers;

namespace Gleitzeit.Batch.Tests.Providers;

public sealed class ModelNamesTests
{
    [Theory]
    [InlineData("/home/ci/models/tiny.gguf", "tiny.gguf")]
    [InlineData("C:\\models\\tiny.gguf", "tiny.gguf")]
    [InlineData("http://10.0.0.5:8080/models/qwen2.5-0.5b.gguf", "qwen2.5-0.5b.gguf")]
    [InlineData("https://huggingface.co/org/repo/resolve/main/model.gguf?download=true#x", "model.gguf")]
    [InlineData("https://user:secret@models.internal/a/b%20c.gguf", "b c.gguf")]
    [InlineData("https://user:secret@models.internal/", "model")]
    [InlineData("https://models.internal", "model")]
    [InlineData("https://models.internal/a/%2F%40host.gguf", "model")]
    public void AUrl_IsShownByItsFileName_NeverItsServer(string url, string shown)
    {
        Assert.Equal(shown, ModelNames.Display(url));
        Assert.DoesNotContain("internal", ModelNames.Display(url), StringComparison.Ordinal);
        Assert.DoesNotContain("secret", ModelNames.Display(url), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("llama3.2:latest")]
    [InlineData("hf.co/org/repo:Q4_K_M")]
    [InlineData("qwen2.5-0.5b-instruct")]
    [InlineData("models/local.gguf")]
    [InlineData("(per item)")]
    public void OtherNames_AreShownAsTheyAre(string model) => Assert.Equal(model, ModelNames.Display(model));
}
