using Gleitzeit.Batch.Builds;
using Gleitzeit.Batch.Configuration;
using Gleitzeit.Batch.Planning;

namespace Gleitzeit.Batch.Tests.Planning;

/// <summary>The build's planning without a build: items checked, grouped into batches, templates shared.</summary>
public sealed class BuildPlannerTests : IDisposable
{
    private readonly TestWorkspace _workspace = new();

    public BuildPlannerTests()
    {
        _workspace.Write("a.md", "Alpha");
        _workspace.Write("b.md", "Beta");
        _workspace.Write("c.png", "not really a png");
    }

    public void Dispose() => _workspace.Dispose();

    private BuildItem Item(string file, params (string Name, string Value)[] metadata) =>
        new(Path.Combine(_workspace.Docs, file), metadata.ToDictionary(m => m.Name, m => m.Value));

    private (IReadOnlyList<BatchPlan> Plans, IReadOnlyList<Diagnostic> Errors) Plan(params BuildItem[] items) =>
        BuildPlanner.Plan(
            new BuildManifest { ProjectFile = Path.Combine(_workspace.Docs, "Docs.csproj"), ProjectDirectory = _workspace.Docs, Items = items },
            new PlanBuilder(_workspace.Settings("http://127.0.0.1:9") with { Model = "text:1b", VisionModel = "eyes:1b" }));

    [Theory]
    [InlineData("Temperature", "hot", "invalid value 'hot' for Temperature")]
    [InlineData("Seed", "1.5", "invalid value '1.5' for Seed")]
    [InlineData("Format", "missing.schema.json", "invalid value 'missing.schema.json' for Format")]
    [InlineData("Vision", "maybe", "invalid value 'maybe' for Vision")]
    [InlineData("Batch", "a/b", "Batch 'a/b' cannot name artifact files")]
    public void InvalidMetadata_IsAnErrorAgainstTheItem_AndTheItemIsLeftOut(string name, string value, string message)
    {
        var (plans, errors) = Plan(Item("a.md", ("Prompt", "Summarize."), (name, value)), Item("b.md", ("Prompt", "Summarize.")));

        var error = Assert.Single(errors);
        Assert.Equal(Path.Combine(_workspace.Docs, "a.md"), error.File);
        Assert.Equal(DiagnosticCodes.InvalidSetting, error.Code);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(plans.SelectMany(p => p.Items), i => i.File == "a.md");
    }

    [Fact]
    public void SchemaThatIsNotJson_IsAnErrorAgainstTheItem()
    {
        _workspace.Write("bad.schema.json", "{ not json");

        var (_, errors) = Plan(Item("a.md", ("Prompt", "Summarize."), ("Format", "bad.schema.json")));

        Assert.Contains("invalid value 'bad.schema.json' for Format", Assert.Single(errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ItemsAskedAlike_ShareOneTemplate_AndDifferentOptionsGetTheirOwn()
    {
        var (plans, errors) = Plan(
            Item("a.md", ("Prompt", "Summarize."), ("Temperature", "0.20")),
            Item("b.md", ("Prompt", "Summarize."), ("Temperature", "0.2")),
            Item("c.png", ("Prompt", "Summarize."), ("Vision", "true")));

        Assert.Empty(errors);
        var plan = Assert.Single(plans);
        Assert.Equal(2, plan.Templates.Count);
        Assert.Equal(plan.Items[0].Template, plan.Items[1].Template);
        Assert.Equal("eyes:1b", plan.Templates[plan.Items.Single(i => i.File == "c.png").Template].Model);
        Assert.Equal("text:1b", plan.Templates[plan.Items.Single(i => i.File == "a.md").Template].Model);
    }

    [Fact]
    public void ItemsWithoutBatch_FormTheProjectsBatch_AndNamedOnesTheirOwn_OrderedByName()
    {
        var (plans, _) = Plan(Item("a.md", ("Prompt", "P")), Item("b.md", ("Prompt", "P"), ("Batch", "alpha")));

        Assert.Equal(["Docs", "alpha"], plans.Select(p => p.Name));
        Assert.Equal("P", plans[0].ExportParameters["prompt"]!.GetValue<string>());
    }
}
