using System.Diagnostics;
using System.Globalization;
using Gleitzeit.Testing;

namespace Gleitzeit.Benchmarks;

/// <summary>
/// The package in real <c>dotnet build</c>s: a project with 1,000 GleitzeitBatch text files (no-op build cost, forced
/// target over cached files) and one with 500 PDFs (a no-op build must not extract).
/// </summary>
internal static class BuildBenchmarks
{
    private const int Files = 1000;
    private const int Pdfs = 500;
    private const int Repeats = 3;

    public static async Task RunAsync()
    {
        var root = Path.Combine(Path.GetTempPath(), "gleitzeit-bench-build", Guid.NewGuid().ToString("N"));
        var feed = Path.Combine(root, "feed");
        var version = "0.0.0-bench." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        Run(RepositoryLayout.Root(), null, "pack", Path.Combine(RepositoryLayout.Root(), "src", "Gleitzeit.Build"), "-c", RepositoryLayout.Configuration(), "--no-build", $"-p:Version={version}", "-o", feed);
        await using var server = await OllamaTestServer.StartAsync(4, TimeSpan.Zero);
        var environment = new Dictionary<string, string>
        {
            ["NUGET_PACKAGES"] = Path.Combine(root, "packages"),
            ["GLEITZEIT_HOME"] = Path.Combine(root, "home"),
            ["OLLAMA_HOST"] = server.Endpoint,
        };
        File.WriteAllText(Path.Combine(root, ".editorconfig"), "root = true\n");
        File.WriteAllText(Path.Combine(root, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(root, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(root, "nuget.config"), $"<configuration><packageSources><clear /><add key=\"bench\" value=\"{feed}\" /></packageSources></configuration>");
        var with = Project(root, "WithPackage", $"""<PackageReference Include="Gleitzeit.Build" Version="{version}" PrivateAssets="all" /><GleitzeitBatch Include="docs/*.txt" Prompt="Summarize" />""", TextFiles);
        var without = Project(root, "WithoutPackage", """<None Include="docs/*.txt" />""", TextFiles);

        Console.WriteLine($"== dotnet build, {Files} files (test server, 4 slots, no latency)");
        Run(with, environment, "build", "-nr:false");
        Run(without, environment, "build", "-nr:false");
        var noOpWith = Median(() => Run(with, environment, "build", "-nr:false", "--no-restore"));
        var noOpWithout = Median(() => Run(without, environment, "build", "-nr:false", "--no-restore"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"no-op build: {noOpWith:0.00} s with the package, {noOpWithout:0.00} s without, ratio {noOpWith / noOpWithout:0.00} (target <= 1.1)"));

        var artifacts = Path.Combine(with, "bin", "Debug", "net10.0", "gleitzeit");
        var forced = Median(() =>
        {
            foreach (var file in Directory.GetFiles(artifacts))
            {
                File.SetLastWriteTimeUtc(file, new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc));
            }

            return Run(with, environment, "build", "-nr:false", "--no-restore");
        });
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"forced target over {Files} cached files: {forced:0.00} s, {forced - noOpWith:0.00} s over the no-op build (target <= 1 s), {server.ChatRequests.Count - Files} extra model calls"));

        var pdfsWith = Project(root, "PdfsWithPackage", $"""<PackageReference Include="Gleitzeit.Build" Version="{version}" PrivateAssets="all" /><GleitzeitBatch Include="docs/*.pdf" Prompt="Summarize" />""", PdfFiles);
        var pdfsWithout = Project(root, "PdfsWithoutPackage", """<None Include="docs/*.pdf" />""", PdfFiles);
        Console.WriteLine($"== dotnet build, {Pdfs} PDFs of 3 pages");
        server.ClearLog();
        var firstPdfBuild = Run(pdfsWith, environment, "build", "-nr:false");
        var pdfCalls = server.ChatRequests.Count;
        Run(pdfsWithout, environment, "build", "-nr:false");
        server.ClearLog();
        var pdfNoOpWith = Median(() => Run(pdfsWith, environment, "build", "-nr:false", "--no-restore"));
        var pdfNoOpWithout = Median(() => Run(pdfsWithout, environment, "build", "-nr:false", "--no-restore"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"first build: {firstPdfBuild:0.00} s, {pdfCalls} model calls (extracting each PDF once)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"no-op build: {pdfNoOpWith:0.00} s with the package, {pdfNoOpWithout:0.00} s without, ratio {pdfNoOpWith / pdfNoOpWithout:0.00} (target <= 1.1), {server.ChatRequests.Count} model calls"));
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static void TextFiles(string docs)
    {
        for (var i = 0; i < Files; i++)
        {
            File.WriteAllText(Path.Combine(docs, $"doc{i:0000}.txt"), $"Document {i}: the quick brown fox.");
        }
    }

    // Distinct PDFs written by PdfPig's builder: three pages of 30 lines each.
    private static void PdfFiles(string docs)
    {
        for (var i = 0; i < Pdfs; i++)
        {
            var builder = new UglyToad.PdfPig.Writer.PdfDocumentBuilder();
            var font = builder.AddStandard14Font(UglyToad.PdfPig.Fonts.Standard14Fonts.Standard14Font.Helvetica);
            for (var p = 1; p <= 3; p++)
            {
                var page = builder.AddPage(595, 842);
                for (var l = 0; l < 30; l++)
                {
                    page.AddText(string.Create(CultureInfo.InvariantCulture, $"Report {i}, page {p}, line {l}: the valve regulates flow through circuit {(i * 100) + l}."), 10, new UglyToad.PdfPig.Core.PdfPoint(50, 790 - (l * 16)), font);
                }
            }

            File.WriteAllBytes(Path.Combine(docs, $"report{i:0000}.pdf"), builder.Build());
        }
    }

    private static string Project(string root, string name, string items, Action<string> writeFiles)
    {
        var directory = Path.Combine(root, name);
        Directory.CreateDirectory(Path.Combine(directory, "docs"));
        writeFiles(Path.Combine(directory, "docs"));

        File.WriteAllText(Path.Combine(directory, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
              <ItemGroup>{items}</ItemGroup>
            </Project>
            """);
        return directory;
    }

    private static double Median(Func<double> measure)
    {
        var times = Enumerable.Range(0, Repeats).Select(_ => measure()).Order().ToList();
        return times[Repeats / 2];
    }

    private static double Run(string directory, Dictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(name);
        }

        foreach (var (name, value) in environment ?? [])
        {
            info.Environment[name] = value;
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet {string.Join(' ', args)} failed:\n{output.Result}{errors.Result}");
        }

        return clock.Elapsed.TotalSeconds;
    }
}
