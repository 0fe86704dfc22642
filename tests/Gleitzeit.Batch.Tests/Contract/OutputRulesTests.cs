using Gleitzeit.Batch.Contract;

namespace Gleitzeit.Batch.Tests.Contract;

public sealed class OutputRulesTests
{
    private const string Project = "/repo/docs-project";

    private static OutputRulesItem Item(string file, string batch = "docs", string prompt = "Summarize.", string? output = null) => new(
        Path.Combine(Project, file),
        batch,
        name => name switch
        {
            BuildContract.Metadata.Batch => batch,
            BuildContract.Metadata.Prompt => prompt,
            BuildContract.Metadata.OutputFile => output ?? string.Empty,
            _ => string.Empty,
        },
        output,
        output is null ? null : Path.Combine(Project, output));

    private static OutputCheck Check(IReadOnlyList<OutputRulesItem> items, IReadOnlyList<string>? artifacts = null, IReadOnlyList<string>? directories = null) => OutputRules.Check(new OutputRulesInput
    {
        ProjectDirectory = Project,
        Items = items,
        Artifacts = artifacts ?? [],
        OwnDirectories = directories ?? [],
        ProtectedInputs = [Path.Combine(Project, "Docs.csproj")],
    });

    [Fact]
    public void OverlappingGlobs_GiveTheSameFileOnce_WithoutAProblem()
    {
        var check = Check([Item("docs/a.md"), Item("docs/b.md"), Item("docs/a.md")]);

        Assert.Empty(check.Problems);
        Assert.Equal([0, 1], check.Kept);
    }

    [Fact]
    public void ArtifactsOutputFilesAndThePackagesDirectories_AreLeftOut_AndCounted()
    {
        var check = Check(
            [Item("docs/a.md", output: "docs/a.summary.md"), Item("docs/a.summary.md", output: "docs/a.summary.summary.md"), Item("docs/summaries/docs.md"), Item(".cache/x.md")],
            artifacts: [Path.Combine(Project, "docs/summaries/docs.md")],
            directories: [Path.Combine(Project, ".cache")]);

        Assert.Empty(check.Problems);
        Assert.Equal([0], check.Kept);
        Assert.Equal(3, check.LeftOut);
    }

    [Fact]
    public void BatchNamesThatDifferOnlyInCase_Collide_ButOneNameUsedTwiceDoesNot()
    {
        var check = Check([Item("docs/a.md", "Notes"), Item("docs/b.md", "Notes"), Item("docs/c.md", "notes"), Item("docs/d.md", "notes")]);

        var problem = Assert.Single(check.Problems);
        Assert.Equal(DiagnosticCodes.OutputCollision, problem.Code);
        Assert.Equal(Path.Combine(Project, "docs/c.md"), problem.File);
        Assert.Contains("Batch 'notes' and Batch 'Notes' (item /repo/docs-project/docs/a.md)", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnOutputFileOverTheProjectOrAnArtifact_IsRefused()
    {
        var check = Check([Item("docs/a.md", output: "Docs.csproj"), Item("docs/b.md", output: "out/docs.json")], artifacts: [Path.Combine(Project, "out/docs.json")]);

        Assert.Equal([DiagnosticCodes.OutputOverwritesInput, DiagnosticCodes.OutputCollision], check.Problems.Select(p => p.Code));
    }

    [Fact]
    public void OutputFilesThatDifferOnlyInCase_Collide()
    {
        var check = Check([Item("docs/a.md", output: "out/One.md"), Item("docs/b.md", output: "out/one.md")]);

        Assert.Equal(Path.Combine(Project, "docs/b.md"), Assert.Single(check.Problems).File);
    }
}
