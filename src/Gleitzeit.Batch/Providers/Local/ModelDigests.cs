using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Gleitzeit.Batch.Discovery;
using Gleitzeit.Batch.Serialization;

namespace Gleitzeit.Batch.Providers.Local;

/// <summary>
/// SHA-256 digests of model files, the local provider's model digest in cache keys. A file is hashed once per
/// (path, length, modification time): the memo lives in <c>digests.tsv</c> in the models directory, so a replaced file
/// is hashed again (and re-keys), a moved one only hashed again under its new path (and keeps its keys).
/// </summary>
public sealed class ModelDigests(string modelsDirectory)
{
    private const string MemoName = "digests.tsv";
    private readonly ConcurrentDictionary<string, string> _known = new(StringComparer.Ordinal);
    private readonly Lock _writeLock = new();

    /// <summary>The file's SHA-256, from the memo when the file is unchanged, else hashed (and remembered).</summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public string Of(string path)
    {
        // Opening a FIFO blocks until a writer comes, and a device never ends: only a regular file is read.
        if (FileKinds.Of(path) is var kind and not FileKind.Regular)
        {
            throw new IOException(kind == FileKind.Missing ? "it does not exist" : $"it is {FileKinds.Describe(kind)}, not a regular file; point the model at a GGUF file");
        }

        var stamp = Stamp(path);
        if (_known.TryGetValue(stamp, out var digest) || ReadMemo().TryGetValue(stamp, out digest))
        {
            _known[stamp] = digest;
            return digest;
        }

        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan))
        {
            digest = Convert.ToHexStringLower(SHA256.HashData(stream));
        }

        Remember(path, digest);
        return digest;
    }

    /// <summary>Records a digest known otherwise (a download just verified): the file need not be hashed again.</summary>
    public void Remember(string path, string digest)
    {
        var stamp = Stamp(path);
        _known[stamp] = digest;
        try
        {
            lock (_writeLock)
            {
                var memo = ReadMemo();
                memo[stamp] = digest;
                var text = new StringBuilder();
                foreach (var (key, value) in memo.Where(p => File.Exists(p.Key[(p.Key.LastIndexOf('\t') + 1)..])).OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    text.Append(value).Append('\t').Append(key).Append('\n');
                }

                AtomicFile.Write(Path.Combine(modelsDirectory, MemoName), Encoding.UTF8.GetBytes(text.ToString()));
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Only a memo: the file is hashed again next time.
        }
    }

    // length \t modification ticks \t full path: what must not change for a digest to stand.
    private static string Stamp(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new FileNotFoundException($"{path}: no such file", path);
        }

        return string.Create(CultureInfo.InvariantCulture, $"{info.Length}\t{info.LastWriteTimeUtc.Ticks}\t{info.FullName}");
    }

    private Dictionary<string, string> ReadMemo()
    {
        var memo = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            foreach (var line in File.ReadLines(Path.Combine(modelsDirectory, MemoName)))
            {
                var tab = line.IndexOf('\t', StringComparison.Ordinal);
                if (tab == 64 && line.Count(c => c == '\t') == 3)
                {
                    memo[line[(tab + 1)..]] = line[..tab];
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        return memo;
    }
}
