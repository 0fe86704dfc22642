using Gleitzeit.Batch.Workflows;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Gleitzeit.Batch.Tests.Workflows;

public sealed class WorkflowGeneratorTests
{
    [Theory]
    [InlineData("yes")]
    [InlineData("off")]
    [InlineData("NO")]
    [InlineData("true")]
    [InlineData("~")]
    [InlineData("null")]
    [InlineData("123")]
    [InlineData("1_000")]
    [InlineData("1:20")]
    [InlineData("0x1F")]
    [InlineData("1e3")]
    [InlineData(".inf")]
    [InlineData("")]
    public void PromptsThatAYamlReaderWouldTakeForAValue_AreQuoted(string prompt)
    {
        var content = PromptNode(WorkflowGenerator.Generate("w", "docs", "*.txt", [], prompt, "llama3.2:latest", vision: false));

        Assert.Equal(prompt, content.Value);
        Assert.NotEqual(ScalarStyle.Plain, content.Style);
    }

    [Theory]
    [InlineData("Summarize this file")]
    [InlineData("Answer: yes or no?")]
    [InlineData("line one\nline two\n\nline four")]
    [InlineData("it's \"quoted\" # not a comment")]
    [InlineData("- a list marker")]
    [InlineData("*.txt")]
    [InlineData("  leading and trailing spaces  ")]
    public void AnyPrompt_ReadsBackUnchanged(string prompt)
    {
        var yaml = WorkflowGenerator.Generate("w", "docs", "*.txt", [], prompt, "llama3.2:latest", vision: false);

        Assert.Equal(prompt, PromptNode(yaml).Value);
    }

    [Fact]
    public void FileList_IsWrittenInOrder_AsTheVisionTaskOfTheUpstreamForm()
    {
        var yaml = WorkflowGenerator.Generate("Captions", null, "*", ["img/b.png", "img/a.png", "true"], "Describe", "llava:latest", vision: true);

        Assert.Equal(
            """
            name: Captions
            tasks:
            - name: describe_images
              protocol: llm/v1
              method: llm/vision
              params:
                model: llava:latest
                files:
                - img/b.png
                - img/a.png
                - "true"
                messages:
                - role: user
                  content: Describe

            """,
            yaml);
    }

    private static YamlScalarNode PromptNode(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var task = (YamlMappingNode)((YamlSequenceNode)((YamlMappingNode)stream.Documents[0].RootNode)["tasks"]).Children[0];
        var message = (YamlMappingNode)((YamlSequenceNode)((YamlMappingNode)task["params"])["messages"]).Children[0];
        return (YamlScalarNode)message["content"];
    }
}
