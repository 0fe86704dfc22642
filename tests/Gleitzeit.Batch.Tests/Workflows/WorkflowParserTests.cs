using System.Diagnostics;
using Gleitzeit.Batch.Configuration;
using Gleitzeit.Batch.Workflows;

namespace Gleitzeit.Batch.Tests.Workflows;

public sealed class WorkflowParserTests : IDisposable
{
    private readonly TestWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    private string Workflow(string yaml)
    {
        var path = Path.Combine(_workspace.Root, "flow.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    [Fact]
    public void AliasBomb_IsRefusedAtOnce_AsInvalidYaml()
    {
        var path = Workflow("""
            name: bomb
            a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
            b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
            c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
            d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
            e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
            f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
            g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
            h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
            tasks:
              - name: t
                method: llm/chat
                params:
                  prompt: hi
                  format: *h
            """);
        var clock = Stopwatch.StartNew();

        var error = Assert.Throws<ConfigurationException>(() => WorkflowParser.Parse(path));

        Assert.Equal(DiagnosticCodes.InvalidYaml, error.Code);
        Assert.Contains("aliases", error.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Theory]
    [InlineData(8_000)]
    [InlineData(100_000)]
    public void DeeplyNestedBrackets_AreRefusedAtOnce_InsteadOfOverflowingTheParsersStack(int depth)
    {
        var path = Workflow("name: deep\nformat: " + new string('[', depth) + new string(']', depth) + "\ntasks: []\n");
        var clock = Stopwatch.StartNew();

        var error = Assert.Throws<ConfigurationException>(() => WorkflowParser.Parse(path));

        Assert.Equal(DiagnosticCodes.InvalidYaml, error.Code);
        Assert.Contains("nested more than 64 levels", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, error.Line);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact]
    public void BracketsInQuotesAndComments_AreNotNesting()
    {
        var path = Workflow("name: \"" + new string('[', 100) + "\" # " + new string('{', 100) + "\ntasks:\n  - name: t\n    method: llm/chat\n    params:\n      prompt: '" + new string('[', 100) + "'\n");

        var workflow = WorkflowParser.Parse(path);

        Assert.Equal(new string('[', 100), workflow.Name);
    }

    [Fact]
    public void OrdinaryAliases_AreFine()
    {
        var path = Workflow("""
            name: shared
            defaults: &options {temperature: 0.2}
            tasks:
              - name: t
                method: llm/chat
                params:
                  prompt: hi
                  options: *options
            """);

        var workflow = WorkflowParser.Parse(path);

        Assert.Equal(0.2, workflow.Tasks[0].Options["temperature"]!.GetValue<double>());
    }
}
