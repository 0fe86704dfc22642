using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
using Gleitzeit.Testing;

namespace Gleitzeit.Batch.Tests.Configuration;

/// <summary>
/// The documentation says what the code has: docs/settings.md every setting, docs/diagnostics.md every code, no more;
/// and the README keeps the offline commands that the sample and CLI tests run as written.
/// </summary>
public sealed class ReadmeTests
{
    private static readonly string[] SettingsPage = File.ReadAllLines(Docs.PagePath("settings"));
    private static readonly string[] DiagnosticsPage = File.ReadAllLines(Docs.PagePath("diagnostics"));

    [Fact]
    public void SettingsTable_HasEveryRow_WithItsSpellings()
    {
        var rows = SettingsPage.Where(l => l.StartsWith("| `", StringComparison.Ordinal) && l.Contains("` |", StringComparison.Ordinal)).ToList();
        foreach (var setting in Settings.All)
        {
            var row = Assert.Single(rows, r => r.StartsWith($"| `{setting.Key}` |", StringComparison.Ordinal));
            var cells = row.Split('|').Select(c => c.Trim()).ToArray();
            Assert.Equal(Code(setting.Property), cells[2]);
            Assert.Equal(Code(setting.Flag), cells[3]);
            Assert.Equal(Code(setting.Environment), cells[4]);
            Assert.Equal(setting.ChangesAnswers ? "yes" : string.Empty, cells[7]);
        }
    }

    [Fact]
    public void DiagnosticsTable_HasEveryCode_AndNoOther()
    {
        var codes = typeof(DiagnosticCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetValue(null)!).Order(StringComparer.Ordinal);
        var documented = DiagnosticsPage.Where(l => l.StartsWith("| GZ", StringComparison.Ordinal)).Select(l => l.Split('|')[1].Trim()).Order(StringComparer.Ordinal);

        Assert.Equal(codes, documented);
    }

    [Fact]
    public void TheArtifactsTheReadmeSaysToCommit_AreNotIgnoredByGit()
    {
        // The README and the sample say: commit summaries/ (it is the lockfile). An ignore rule would make `git add .` drop it.
        var info = new ProcessStartInfo("git") { WorkingDirectory = RepositoryLayout.Root(), RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "check-ignore", "--no-index", "-v", "samples/DocsSummaries/summaries/docs-summaries.json", "samples/DocsSummaries/summaries/meeting-notes.summary.md" })
        {
            info.ArgumentList.Add(argument);
        }

        using var git = Process.Start(info)!;
        var ignoredBy = git.StandardOutput.ReadToEnd();
        Assert.True(git.WaitForExit(30_000), "git check-ignore did not end");
        Assert.True(git.ExitCode == 1, "ignored: " + ignoredBy + git.StandardError.ReadToEnd());
    }

    [Theory]
    [InlineData("DocsSummaries")]
    [InlineData("WorkflowReport")]
    public void OfflinePath_HasServeModelsCommand_AndTheBuildLineItPrints(string sample)
    {
        // What SampleBuildTests (Gleitzeit.Build.Tests) looks for, found here without packing anything.
        var readme = Docs.Readme();

        Assert.Contains("dotnet run --project tests/Gleitzeit.Benchmarks -c Release -- serve-model", readme, StringComparison.Ordinal);
        Assert.Contains("`GLEITZEIT_MODEL=http://127.0.0.1:PORT/tiny.gguf dotnet build samples/" + sample + "`", readme, StringComparison.Ordinal);
    }

    [Fact]
    public void OfflinePath_HasTheCliLine_ThatLocalModelCommandTestsRuns()
    {
        // The same extraction as LocalModelCommandTests (Gleitzeit.Cli.Tests): from the prefix to the span's closing backtick.
        const string Prefix = "`GLEITZEIT_MODEL=http://127.0.0.1:PORT/tiny.gguf dotnet run --project src/Gleitzeit.Cli -- ";
        var readme = Docs.Readme();
        var start = readme.IndexOf(Prefix, StringComparison.Ordinal);
        Assert.True(start >= 0, "the README's offline CLI command");
        var line = readme[(start + Prefix.Length)..readme.IndexOf('`', start + 1)];
        var args = Regex.Matches(line, "\"([^\"]*)\"|(\\S+)").Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value);

        Assert.Equal(new[] { "batch", "samples/documents", "--pattern", "*.txt", "--prompt", "Summarize this document in two sentences.", "--provider", "local" }, args);
    }

    private static string Code(string? text) => text is null ? string.Empty : $"`{text}`";
}
