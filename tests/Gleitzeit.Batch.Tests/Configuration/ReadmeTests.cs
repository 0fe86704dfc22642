using System.Diagnostics;
using System.Reflection;
using Gleitzeit.Testing;

namespace Gleitzeit.Batch.Tests.Configuration;

/// <summary>The README's settings and diagnostics tables say what the code has: every row and every code, no more.</summary>
public sealed class ReadmeTests
{
    private static readonly string[] Readme = File.ReadAllLines(Path.Combine(RepositoryLayout.Root(), "README.md"));

    [Fact]
    public void SettingsTable_HasEveryRow_WithItsSpellings()
    {
        var rows = Readme.Where(l => l.StartsWith("| `", StringComparison.Ordinal) && l.Contains("` |", StringComparison.Ordinal)).ToList();
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
        var documented = Readme.Where(l => l.StartsWith("| GZ", StringComparison.Ordinal)).Select(l => l.Split('|')[1].Trim()).Order(StringComparer.Ordinal);

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

    private static string Code(string? text) => text is null ? string.Empty : $"`{text}`";
}
