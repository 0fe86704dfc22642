using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Gleitzeit.Testing;

/// <summary>
/// What nuget.org and an IDE's package manager show of a packed package, read from its nuspec: the things the ecosystem's
/// best packages all have (license, project and repository with the commit, release notes, tags, a readme of its own).
/// </summary>
public static partial class PackageMetadata
{
    public static XElement Nuspec(string package)
    {
        using var zip = ZipFile.OpenRead(package);
        var entry = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal) && !e.FullName.Contains('/', StringComparison.Ordinal));
        using var stream = entry.Open();
        return XDocument.Load(stream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
    }

    /// <summary>Every way the package falls short, as sentences; empty when it has everything.</summary>
    public static IReadOnlyList<string> Problems(string package)
    {
        var problems = new List<string>();
        var metadata = Nuspec(package);
        string? Value(string name) => metadata.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value;

        if (metadata.Elements().FirstOrDefault(e => e.Name.LocalName == "license") is not { } license || (string?)license.Attribute("type") != "expression" || license.Value != "MIT")
        {
            problems.Add("no MIT license expression");
        }

        if (Value("projectUrl") is not { Length: > 0 } project || !project.StartsWith("https://", StringComparison.Ordinal))
        {
            problems.Add("no https project URL");
        }

        var repository = metadata.Elements().FirstOrDefault(e => e.Name.LocalName == "repository");
        if (repository is null || (string?)repository.Attribute("type") != "git" || !((string?)repository.Attribute("url") ?? string.Empty).StartsWith("https://", StringComparison.Ordinal))
        {
            problems.Add("no git repository URL");
        }

        if (repository is null || !Commit().IsMatch((string?)repository.Attribute("commit") ?? string.Empty))
        {
            problems.Add("no repository commit");
        }

        foreach (var name in new[] { "description", "releaseNotes", "tags", "authors" })
        {
            if (string.IsNullOrWhiteSpace(Value(name)))
            {
                problems.Add("no " + name);
            }
        }

        using var zip = ZipFile.OpenRead(package);
        if (Value("readme") is not { Length: > 0 } readme || zip.GetEntry(readme) is not { } readmeEntry)
        {
            problems.Add("no readme in the package");
        }
        else
        {
            using var reader = new StreamReader(readmeEntry.Open());
            var text = reader.ReadToEnd();
            if (text.Contains("## Set up", StringComparison.Ordinal) || text.Split('\n').Length > 60)
            {
                problems.Add($"the readme ({readme}) is the repository's, not a package readme of its own");
            }
        }

        return problems;
    }

    /// <summary>The source paths a portable PDB names; in a package made anywhere they start with <c>/_/</c> (deterministic).</summary>
    public static IReadOnlyList<string> EmbeddedPdbDocuments(byte[] assembly)
    {
        using var pe = new PEReader(new MemoryStream(assembly));
        var entry = pe.ReadDebugDirectory().Single(d => d.Type == DebugDirectoryEntryType.EmbeddedPortablePdb);
        using var provider = pe.ReadEmbeddedPortablePdbDebugDirectoryData(entry);
        return Documents(provider.GetMetadataReader());
    }

    public static IReadOnlyList<string> PdbDocuments(byte[] pdb)
    {
        using var provider = MetadataReaderProvider.FromPortablePdbStream(new MemoryStream(pdb));
        return Documents(provider.GetMetadataReader());
    }

    public static byte[] Entry(string package, string path)
    {
        using var zip = ZipFile.OpenRead(package);
        using var stream = zip.GetEntry(path)?.Open() ?? throw new FileNotFoundException(path + " is not in " + package);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static List<string> Documents(MetadataReader reader) =>
        reader.Documents.Select(d => reader.GetString(reader.GetDocument(d).Name)).ToList();

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex Commit();
}
