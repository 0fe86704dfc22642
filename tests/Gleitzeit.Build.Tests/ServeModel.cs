using System.Diagnostics;
using Gleitzeit.Testing;

namespace Gleitzeit.Build.Tests;

/// <summary>
/// <c>Gleitzeit.Benchmarks serve-model</c> run as the README has a newcomer run it: a child process serving the tiny
/// model, and the <c>Try:</c> lines it prints.
/// </summary>
public sealed class ServeModel : IAsyncDisposable
{
    private readonly Process _process;

    private ServeModel(Process process, string url, IReadOnlyList<string> tryLines)
    {
        _process = process;
        Url = url;
        TryLines = tryLines;
    }

    public string Url { get; }

    /// <summary>The commands it prints, <c>GLEITZEIT_MODEL=… dotnet build samples/…</c>, without the <c>Try: </c>.</summary>
    public IReadOnlyList<string> TryLines { get; }

    public static async Task<ServeModel> StartAsync()
    {
        var program = Path.Combine(RepositoryLayout.Root(), "tests", "Gleitzeit.Benchmarks", "bin", RepositoryLayout.Configuration(), "net10.0", "Gleitzeit.Benchmarks.dll");
        var process = Dotnet.Start(RepositoryLayout.Root(), null, program, "serve-model");
        try
        {
            using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            var lines = new List<string>();
            while (lines.Count < 2)
            {
                var line = await process.StandardOutput.ReadLineAsync(bound.Token)
                    ?? throw new InvalidOperationException("serve-model ended before printing its commands: " + await process.StandardError.ReadToEndAsync(bound.Token));
                if (line.StartsWith("Try: ", StringComparison.Ordinal))
                {
                    lines.Add(line["Try: ".Length..]);
                }
            }

            var url = lines[0].Split(' ')[0]["GLEITZEIT_MODEL=".Length..];
            return new ServeModel(process, url, lines);
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
