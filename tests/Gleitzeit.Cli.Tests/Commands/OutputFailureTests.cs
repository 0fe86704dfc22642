using System.Diagnostics;
using Gleitzeit.Testing;

namespace Gleitzeit.Cli.Tests.Commands;

/// <summary>Standard output or error that cannot be written (a full device, a closed descriptor) is a coded exit, never an unhandled exception.</summary>
public sealed class OutputFailureTests
{
    [Theory]
    [InlineData(">/dev/full", "--version")]
    [InlineData(">/dev/full", "--help")]
    [InlineData(">&-", "--version")]
    [InlineData("2>&-", "no-such-command")]
    [InlineData("2>/dev/full", "no-such-command")]
    public async Task AnUnwritableStream_EndsWithExitTwo_AndNoStackTrace(string redirection, string argument)
    {
        var cli = RepositoryLayout.CliStartInfo(CliHarness.CliAssembly);
        var info = new ProcessStartInfo("/bin/sh") { RedirectStandardError = !redirection.StartsWith('2'), RedirectStandardOutput = redirection.StartsWith('2'), UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add($"exec \"$0\" \"$@\" {redirection}");
        info.ArgumentList.Add(cli.FileName);
        foreach (var arg in cli.ArgumentList)
        {
            info.ArgumentList.Add(arg);
        }

        info.ArgumentList.Add(argument);
        using var process = Process.Start(info)!;
        var captured = info.RedirectStandardError ? process.StandardError.ReadToEndAsync() : process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(2, process.ExitCode);
        Assert.DoesNotContain("Unhandled exception", await captured, StringComparison.Ordinal);
    }
}
