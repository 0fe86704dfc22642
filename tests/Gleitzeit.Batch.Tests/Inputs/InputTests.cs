using System.Text;
using Gleitzeit.Batch.Inputs;

namespace Gleitzeit.Batch.Tests.Inputs;

public sealed class InputTests
{
    [Fact]
    public void Utf8Bom_IsRemovedFromTheText()
    {
        var input = InputLoader.LoadText([0xEF, 0xBB, 0xBF, .. "héllo"u8]);

        Assert.Equal("héllo", input.Text);
    }

    [Fact]
    public void NulBytes_AreAnInvalidFileFormat()
    {
        var error = Assert.Throws<InvalidInputException>(() => InputLoader.LoadText([0x41, 0x00, 0x42]));

        Assert.StartsWith("invalid file format", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidUtf8_IsAnInvalidFileFormat()
    {
        var error = Assert.Throws<InvalidInputException>(() => InputLoader.LoadText([0x41, 0xC3, 0x28]));

        Assert.Contains("UTF-8", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0 }, "image/png")]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, 0 }, "image/jpeg")]
    [InlineData(new byte[] { 0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0 }, "image/gif")]
    [InlineData(new byte[] { 0x52, 0x49, 0x46, 0x46, 1, 2, 3, 4, 0x57, 0x45, 0x42, 0x50, 0 }, "image/webp")]
    public void Images_AreRecognisedByMagicBytes(byte[] bytes, string mediaType)
    {
        Assert.Equal(mediaType, InputLoader.LoadImage(bytes).MediaType);
    }

    [Fact]
    public void TextFileSentAsImage_IsAnInvalidFileFormat()
    {
        Assert.Throws<InvalidInputException>(() => InputLoader.LoadImage(Encoding.UTF8.GetBytes("not an image")));
    }

    [Fact]
    public void TextFile_IsCombinedExactlyAsTheOriginalGleitzeitDoes()
    {
        var input = InputLoader.LoadText(Encoding.UTF8.GetBytes("Line one\nLine two"));

        var messages = MessageComposer.Compose(PromptMessage.FromPrompt("Summarize", "Be brief."), "docs/a.txt", input);

        Assert.Equal(2, messages.Count);
        Assert.Equal(("system", "Be brief."), (messages[0].Role, messages[0].Content));
        Assert.Equal(("user", "Summarize\n\nFile content from docs/a.txt:\nLine one\nLine two"), (messages[1].Role, messages[1].Content));
    }

    [Fact]
    public void Image_KeepsThePromptAndIsAttached()
    {
        var input = InputLoader.LoadImage([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2]);

        var message = Assert.Single(MessageComposer.Compose(PromptMessage.FromPrompt("Describe this image.", null), "a.png", input));

        Assert.Equal("Describe this image.", message.Content);
        var image = Assert.Single(message.Images);
        Assert.Equal("image/png", image.MediaType);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4095)]
    [InlineData(4096)]
    [InlineData(100_001)]
    public void AFileIsLoadedWhole_AtAnyLength(int length)
    {
        using var workspace = new TestWorkspace();
        var text = string.Create(length, 0, (chars, _) =>
        {
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = (char)('a' + (i % 26));
            }
        });
        var path = workspace.Write("a.txt", text);

        var input = InputLoader.Load(path, new InputOptions(false, 1_048_576), CancellationToken.None);

        Assert.Equal(text, input.Text);
    }

    [Fact]
    public void AFileOfExactlyTheLimit_IsLoaded_AndOneByteMore_IsTooLargeNamingTheSetting()
    {
        using var workspace = new TestWorkspace();
        var atLimit = workspace.Write("at.txt", new string('x', 1000));
        var over = workspace.Write("over.txt", new string('x', 1001));
        var options = new InputOptions(false, 1000, MaxBytesSetting: "GleitzeitMaxFileSize");

        Assert.Equal(1000, InputLoader.Load(atLimit, options, CancellationToken.None).Text!.Length);
        var error = Assert.Throws<InvalidInputException>(() => InputLoader.Load(over, options, CancellationToken.None));
        Assert.Equal(Gleitzeit.Batch.Contract.DiagnosticCodes.FileTooLarge, error.Code);
        Assert.Contains("1001 bytes is over the 1000-byte limit (raise GleitzeitMaxFileSize", error.Message, StringComparison.Ordinal);
    }

    [Caching.LinuxFact("the kernel's files under /proc are Linux's")]
    public void AFileLongerThanItsLengthSays_IsReadToItsEnd_OrIsTooLargePastTheLimit()
    {
        // /proc/cpuinfo says 0 bytes and holds kilobytes, as a file that grew after its length was read does.
        var whole = File.ReadAllText("/proc/cpuinfo");
        Assert.True(whole.Length > 100, whole);

        Assert.Equal(whole, InputLoader.Load("/proc/cpuinfo", new InputOptions(false, 1_048_576), CancellationToken.None).Text);
        var error = Assert.Throws<InvalidInputException>(() => InputLoader.Load("/proc/cpuinfo", new InputOptions(false, 100), CancellationToken.None));
        Assert.Equal(Gleitzeit.Batch.Contract.DiagnosticCodes.FileTooLarge, error.Code);
        Assert.Contains("101+ bytes is over the 100-byte limit", error.Message, StringComparison.Ordinal);
    }
}
