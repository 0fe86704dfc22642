using System.Buffers.Binary;
using System.Text;
using Gleitzeit.Testing;

namespace Gleitzeit.Batch.Tests.Testing;

// Loading and generating need llama.cpp, which this repository does not reference: these check the file itself.
public sealed class TinyGgufTests
{
    [Fact]
    public void Create_IsAGgufV3File_OfAbout100KB_WithTheLlamaTokenizerAndChatTemplate()
    {
        var bytes = TinyGguf.Create();

        Assert.Equal("GGUF", Encoding.ASCII.GetString(bytes, 0, 4));
        Assert.Equal(3u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4)));
        Assert.Equal(12ul, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(8))); // token_embd, output_norm, output + 9 per block
        Assert.InRange(bytes.Length, 80_000, 200_000);
        Assert.Equal(0, bytes.Length % 32);
        var text = Encoding.UTF8.GetString(bytes);
        Assert.Contains("general.architecture", text, StringComparison.Ordinal);
        Assert.Contains(TinyGguf.ChatTemplate, text, StringComparison.Ordinal);
        Assert.Equal(["<unk>", "<s>", "</s>", "<0x00>"], TinyGguf.Tokens.Take(4));
        Assert.Equal(".", TinyGguf.Tokens[TinyGguf.PeriodId]);
        Assert.Equal("<|im_end|>", TinyGguf.Tokens[TinyGguf.ImEndId]);
    }

    [Fact]
    public void SameOptions_SameBytes_AnotherSeed_OtherBytes()
    {
        var options = new TinyGgufOptions { Layers = 2, Seed = 7 };

        Assert.Equal(TinyGguf.Create(options), TinyGguf.Create(options));
        Assert.NotEqual(TinyGguf.Create(options), TinyGguf.Create(options with { Seed = 8 }));
    }

    [Fact]
    public void Write_ReplacesTheFile_AndLeavesNoTemporaryFile()
    {
        var folder = Directory.CreateTempSubdirectory("gleitzeit-gguf-");
        try
        {
            var path = Path.Combine(folder.FullName, "tiny.gguf");
            File.WriteAllText(path, "old");

            TinyGguf.Write(path);

            Assert.Equal(TinyGguf.Create(), File.ReadAllBytes(path));
            Assert.Equal([path], Directory.GetFiles(folder.FullName));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void BadShape_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => TinyGguf.Create(new TinyGgufOptions { EmbeddingSize = 30, HeadCount = 4 }));
    }
}
