using System.Diagnostics;
using Gleitzeit.Testing;

namespace Gleitzeit.Cli.Tests.Commands;

/// <summary>The test servers that <c>Gleitzeit.Benchmarks serve|serve-model</c> runs for a shell stop on SIGTERM and Ctrl+C.</summary>
public sealed class ServeCommandTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    [Theory]
    [InlineData("serve-model", Signals.Terminate)]
    [InlineData("serve-model", Signals.Interrupt)]
    [InlineData("serve", Signals.Terminate)]
    public async Task Serve_StopsPromptlyAndCleanly_OnASignal(string command, int signal)
    {
        var program = Path.Combine(RepositoryLayout.Root(), "tests", "Gleitzeit.Benchmarks", "bin", RepositoryLayout.Configuration(), "net10.0", "Gleitzeit.Benchmarks.dll");
        Assert.True(File.Exists(program), $"build tests/Gleitzeit.Benchmarks first ({program})");
        var info = RepositoryLayout.CliStartInfo(program);
        info.ArgumentList.Add(command);
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            // The server is up once its address is printed; the download server must answer it.
            var first = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)) ?? string.Empty;
            var url = first.Split(' ').First(w => w.StartsWith("http://127.0.0.1:", StringComparison.Ordinal)).TrimEnd('.', ',', ')');
            using (var client = new HttpClient())
            {
                var probe = command == "serve" ? url + "/api/tags" : url;
                Assert.True((await client.GetAsync(new Uri(probe))).IsSuccessStatusCode, probe);
            }

            var clock = Stopwatch.StartNew();
            Assert.Equal(0, Signals.Send(process.Id, signal));
            using var bound = new CancellationTokenSource(Bound);
            await process.WaitForExitAsync(bound.Token);

            Assert.True(clock.Elapsed < Bound, $"took {clock.Elapsed}");
            Assert.Equal(0, process.ExitCode);
            Assert.Contains("Stopped.", await process.StandardOutput.ReadToEndAsync(), StringComparison.Ordinal);
            Assert.DoesNotContain("Unhandled exception", await stderr, StringComparison.Ordinal);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"{command} did not exit within {Bound.TotalSeconds} s of signal {signal}");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }
}
