namespace Gleitzeit.Batch.Bulk;

/// <summary>
/// A Batch API input file being written: one JSON request per line, under the cache directory, readable by its owner
/// only (it holds document text), counted in requests and bytes so a file never passes the service's limits.
/// </summary>
internal sealed class BulkInputFile : IDisposable
{
    private readonly FileStream _stream;

    public BulkInputFile(string path)
    {
        Path = path;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        _stream = new FileStream(path, Serialization.OwnerOnlyFile.WriteOptions(FileMode.CreateNew));
    }

    public string Path { get; }

    public int Count { get; private set; }

    public long Bytes => _stream.Length;

    /// <summary>Appends one request: <paramref name="line"/> is its JSON, ending in a newline.</summary>
    public void Write(ReadOnlySpan<byte> line)
    {
        _stream.Write(line);
        Count++;
    }

    /// <summary>Writes what is buffered through to the disk.</summary>
    public void Close() => _stream.Flush(flushToDisk: true);

    public void Dispose() => _stream.Dispose();

    /// <summary>Removes the input files and downloads a killed run left behind; only the ledger's holder calls it.</summary>
    public static void RemoveLeftovers(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }

        foreach (var path in Directory.EnumerateFiles(directory, "*.jsonl"))
        {
            BulkRemote.TryDelete(path);
        }
    }
}
