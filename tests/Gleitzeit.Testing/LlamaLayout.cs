using System.IO.Compression;
using System.Security.Cryptography;

namespace Gleitzeit.Testing;

/// <summary>
/// The llama.cpp files the packages carry, per runtime, relative to <c>llama/&lt;rid&gt;/</c> (src/LlamaNatives.targets
/// writes them, LlamaBuildChooser loads them), and a check of a carried tree against it.
/// </summary>
public static class LlamaLayout
{
    /// <summary>The size limit of each package that carries llama.cpp: 60 MB.</summary>
    public const long PackageLimitBytes = 60L * 1000 * 1000;

    /// <summary>Every runtime's files.</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> Files = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
    {
        ["linux-x64"] = ByInstructionSet("lib", ".so"),
        ["linux-musl-x64"] = ByInstructionSet("lib", ".so"),
        ["win-x64"] = ByInstructionSet(string.Empty, ".dll"),
        ["linux-arm64"] = ["libggml-base.so", "libggml-cpu.so", "libggml.so", "libllama.so"],
        ["win-arm64"] = ["ggml-base.dll", "ggml-cpu.dll", "ggml.dll", "llama.dll"],
        ["osx-arm64"] = ["libggml-base.dylib", "libggml-cpu.dylib", "libggml-blas.dylib", "libggml-metal.dylib", "libggml.dylib", "libllama.dylib"],
        ["osx-x64"] = ["libggml-blas.dylib", .. new[] { "avx2", "rosetta2" }.SelectMany(v => new[] { "libggml-base", "libggml-cpu", "libggml", "libllama" }.Select(f => $"cpu-{v}/{f}.dylib"))],
    };

    /// <summary>
    /// What is wrong with a carried <c>llama/</c> tree, given as paths under it (<c>win-x64/cpu-avx2/ggml-cpu.dll</c>) and
    /// their contents: a file of <paramref name="runtimes"/> missing, a file no runtime has, a runtime not asked for, or
    /// one content twice within a runtime.
    /// </summary>
    public static IReadOnlyList<string> Problems(IReadOnlyDictionary<string, byte[]> tree, IEnumerable<string> runtimes)
    {
        var wanted = runtimes.ToHashSet(StringComparer.Ordinal);
        var expected = wanted.SelectMany(r => Files[r].Select(f => $"{r}/{f}")).ToHashSet(StringComparer.Ordinal);
        var problems = new List<string>();
        problems.AddRange(expected.Where(e => !tree.ContainsKey(e)).Order(StringComparer.Ordinal).Select(e => "missing " + e));
        problems.AddRange(tree.Keys.Where(k => !expected.Contains(k)).Order(StringComparer.Ordinal).Select(k => "not expected " + k));
        foreach (var runtime in tree.Keys.GroupBy(k => k.Split('/')[0], StringComparer.Ordinal))
        {
            problems.AddRange(runtime
                .GroupBy(k => Convert.ToHexString(SHA256.HashData(tree[k])), StringComparer.Ordinal)
                .Where(g => g.Count() > 1)
                .Select(g => "the same content twice: " + string.Join(", ", g.Order(StringComparer.Ordinal))));
        }

        return problems;
    }

    /// <summary>The <c>llama/</c> tree under <paramref name="directory"/>.</summary>
    public static IReadOnlyDictionary<string, byte[]> FromDirectory(string directory) =>
        Directory.Exists(directory)
            ? Directory.GetFiles(directory, "*", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(directory, f).Replace('\\', '/'), File.ReadAllBytes, StringComparer.Ordinal)
            : new Dictionary<string, byte[]>();

    /// <summary>The <c>llama/</c> tree at <paramref name="prefix"/> (<c>tools/net10.0/llama/</c>) in package <paramref name="package"/>.</summary>
    public static IReadOnlyDictionary<string, byte[]> FromPackage(string package, string prefix)
    {
        using var zip = ZipFile.OpenRead(package);
        var tree = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var entry in zip.Entries.Where(e => e.FullName.StartsWith(prefix, StringComparison.Ordinal) && e.FullName.Length > prefix.Length))
        {
            using var stream = entry.Open();
            using var bytes = new MemoryStream();
            stream.CopyTo(bytes);
            tree[entry.FullName[prefix.Length..]] = bytes.ToArray();
        }

        return tree;
    }

    /// <summary>The package's entries with a <c>llama/</c> folder in their path.</summary>
    public static IReadOnlyList<string> LlamaEntries(string package)
    {
        using var zip = ZipFile.OpenRead(package);
        return [.. zip.Entries.Select(e => e.FullName).Where(n => n.Contains("/llama/", StringComparison.Ordinal))];
    }

    private static string[] ByInstructionSet(string prefix, string extension) =>
        [
            $"{prefix}ggml-base{extension}",
            $"{prefix}ggml{extension}",
            $"{prefix}llama{extension}",
            .. new[] { "noavx", "avx", "avx2", "avx512" }.Select(v => $"cpu-{v}/{prefix}ggml-cpu{extension}"),
        ];
}
