using System.Text;
using System.Text.Json.Nodes;
using Gleitzeit.Batch.Caching;
using Gleitzeit.Batch.Inputs;

namespace Gleitzeit.Batch.Tests.Caching;

public sealed class CacheKeyTests
{
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3];

    public sealed record Inputs(
        string Prompt = "Summarize",
        string? System = null,
        string Path = "docs/a.txt",
        string Content = "hello",
        string Model = "llama3.2:latest",
        string? Digest = "sha256:aaa",
        string? Options = null,
        string? Format = null);

    private static string Key(Inputs i)
    {
        var input = InputLoader.LoadText(Encoding.UTF8.GetBytes(i.Content));
        var template = PromptMessage.FromPrompt(i.Prompt, i.System);
        var messages = MessageComposer.Compose(template, i.Path, input);
        var options = i.Options is null ? null : (JsonObject)JsonNode.Parse(i.Options)!;
        var format = i.Format is null ? null : JsonNode.Parse(i.Format);
        return CacheKey.Compute(messages, i.Model, i.Digest, options, format, i.Path, input.ContentSha256, "template").Value;
    }

    [Fact]
    public void SameInputs_GiveTheSameKey()
    {
        Assert.Equal(Key(new Inputs()), Key(new Inputs()));
    }

    public static TheoryData<Inputs> Changes => new()
    {
        new Inputs(Prompt: "Summarize!"),
        new Inputs(System: "Be brief."),
        new Inputs(Path: "docs/b.txt"),
        new Inputs(Content: "hello."),
        new Inputs(Model: "llama3.2:1b"),
        new Inputs(Digest: "sha256:bbb"),
        new Inputs(Digest: null),
        new Inputs(Options: """{"temperature":0.2}"""),
        new Inputs(Options: """{"seed":1}"""),
        new Inputs(Options: """{"num_ctx":4096}"""),
        new Inputs(Options: """{"top_p":0.9}"""),
        new Inputs(Format: "\"json\""),
        new Inputs(Format: """{"type":"object"}"""),
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public void EachKeyInput_ChangesTheKey(Inputs changed)
    {
        Assert.NotEqual(Key(new Inputs()), Key(changed));
    }

    [Fact]
    public void EveryOptionValue_Matters()
    {
        Assert.NotEqual(Key(new Inputs(Options: """{"temperature":0.2}""")), Key(new Inputs(Options: """{"temperature":0.7}""")));
        Assert.NotEqual(Key(new Inputs(Format: """{"type":"object"}""")), Key(new Inputs(Format: """{"type":"array"}""")));
    }

    [Fact]
    public void OptionSpellingAndOrder_DoNotMatter()
    {
        Assert.Equal(
            Key(new Inputs(Options: """{"temperature":0.70,"seed":42}""")),
            Key(new Inputs(Options: """{"seed":42,"temperature":0.7}""")));
    }

    [Fact]
    public void WhereTheBatchRootLives_DoesNotMatter()
    {
        using var first = new TestWorkspace();
        using var second = new TestWorkspace();
        var a = first.Write("docs/a.txt", "same");
        var b = second.Write("docs/a.txt", "same");

        string KeyOf(string root, string full)
        {
            var input = InputLoader.LoadText(File.ReadAllBytes(full));
            var relative = Gleitzeit.Batch.Discovery.FileDiscovery.RelativeTo(root, full);
            return CacheKey.Compute(MessageComposer.Compose(PromptMessage.FromPrompt("p", null), relative, input), "m:latest", "d", null, null, relative, input.ContentSha256, "t").Value;
        }

        Assert.Equal(KeyOf(first.Docs, a), KeyOf(second.Docs, b));
    }

    [Fact]
    public void ImageKey_UsesBytesHashAndMediaType_AndChangesWithTheBytes()
    {
        string KeyOf(byte[] bytes) => CacheKey.Compute(
            MessageComposer.Compose(PromptMessage.FromPrompt("Describe", null), "a.png", InputLoader.LoadImage(bytes)), "llava:latest", "d", null, null, "a.png", null, "t").Value;

        var key = CacheKey.Compute(MessageComposer.Compose(PromptMessage.FromPrompt("Describe", null), "a.png", InputLoader.LoadImage(Png)), "llava:latest", "d", null, null, "a.png", null, "t");

        Assert.Equal("image/png", key.Inputs["messages"]![0]!["images"]![0]!["media_type"]!.GetValue<string>());
        Assert.DoesNotContain(Convert.ToBase64String(Png), key.Inputs.ToJsonString(), StringComparison.Ordinal);
        Assert.NotEqual(KeyOf(Png), KeyOf([.. Png, 4]));
    }

    [Fact]
    public void Key_IsTheHashOfItsRecordedInputs()
    {
        var input = InputLoader.LoadText("x"u8.ToArray());
        var key = CacheKey.Compute(MessageComposer.Compose(PromptMessage.FromPrompt("p", null), "a", input), "m:latest", "d", null, null, "a", input.ContentSha256, "t");

        Assert.Equal(key.Value, CacheKey.HashOf(key.Inputs));
        Assert.Equal(64, key.Value.Length);
    }
}
