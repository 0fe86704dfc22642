using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Gleitzeit.Batch.Discovery;
using Gleitzeit.Batch.Serialization;

namespace Gleitzeit.Batch.Providers.Local;

/// <summary>
/// Puts a local model's GGUF file in place: a file named by path is only hashed; a URL is downloaded once into the
/// models directory — into <c>&lt;file&gt;.part</c>, resumed with an HTTP Range request after a cut (or in the next
/// run), verified against its SHA-256 (pinned for an alias; for a bare URL recorded beside the file on first
/// download), then renamed into place. One process downloads a file at a time (an exclusive lock file the operating
/// system releases however the process ends); the others wait for it while it makes progress. Every wait is bounded:
/// connecting and headers by the request timeout, silence in the body by the idle timeout.
/// </summary>
public sealed class ModelDownloader(ModelDownloadOptions options) : IDisposable
{
    private const int BufferSize = 1 << 20;
    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        ConnectTimeout = options.RequestTimeout,
        AutomaticDecompression = DecompressionMethods.None,
        AllowAutoRedirect = true,
        MaxAutomaticRedirections = 10,
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>The digests of model files (memo shared with the provider).</summary>
    public ModelDigests Digests { get; } = new(options.ModelsDirectory);

    /// <summary>The SHA-256 a model must have, when it is known without reading the file: pinned, or recorded at its download.</summary>
    public static string? ExpectedSha256(LocalModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.PinnedSha256 is { } pinned)
        {
            return pinned;
        }

        if (spec.Url is null)
        {
            return null;
        }

        try
        {
            var recorded = File.ReadAllText(RecordPath(spec)).Trim();
            return recorded.Length == 64 && recorded.All(char.IsAsciiHexDigitLower) ? recorded : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The model's file, in place and verified, and its SHA-256.</summary>
    /// <exception cref="ChatProviderException">No file and none can be downloaded, or its bytes are not the pinned ones.</exception>
    public async Task<string> EnsureAsync(LocalModelSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Url is null)
        {
            return FileKinds.Of(spec.Path) == FileKind.Missing ? throw ModelDownloadException.Missing(spec) : HashOf(spec);
        }

        if (FileKinds.Of(spec.Path) != FileKind.Missing)
        {
            return VerifyInPlace(spec);
        }

        try
        {
            Directory.CreateDirectory(options.ModelsDirectory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw ModelDownloadException.Unwritable(spec, options.ModelsDirectory, ex is UnauthorizedAccessException ? "permission denied" : ex.Message);
        }

        using var held = await AcquireAsync(spec, cancellationToken);
        if (File.Exists(spec.Path))
        {
            // Another process finished it while this one waited.
            return VerifyInPlace(spec);
        }

        return await DownloadAsync(spec, cancellationToken);
    }

    public void Dispose() => _http.Dispose();

    private static string RecordPath(LocalModelSpec spec) => spec.Path + ".sha256";

    private string HashOf(LocalModelSpec spec)
    {
        try
        {
            return Digests.Of(spec.Path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ChatProviderException($"cannot read model file {spec.Path}: {ex.Message}", DiagnosticCodes.FileNotFound, isTransient: false, stopsBatch: true);
        }
    }

    private string VerifyInPlace(LocalModelSpec spec)
    {
        var actual = HashOf(spec);
        if (ExpectedSha256(spec) is { } expected && actual != expected)
        {
            throw ModelDownloadException.Mismatch(spec, spec.Path, expected, actual, spec.PinnedSha256 is null ? "recorded at its download as" : "pinned as", downloaded: false);
        }

        return actual;
    }

    // Waits while another process downloads the same file and its .part grows; gives up when it stops growing.
    private async Task<FileStream> AcquireAsync(LocalModelSpec spec, CancellationToken cancellationToken)
    {
        var lockPath = spec.Path + ".lock";
        var partPath = spec.Path + ".part";
        var lastSize = -1L;
        var lastProgress = options.Time.GetTimestamp();
        var told = false;
        while (true)
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            }
            catch (IOException) when (File.Exists(lockPath))
            {
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Read-only (permissions or a read-only mount): only a download needs to write here, so say what to do once.
                throw ModelDownloadException.Unwritable(spec, options.ModelsDirectory, ex is UnauthorizedAccessException ? "permission denied" : ex.Message);
            }

            if (!told)
            {
                options.Progress?.Invoke(new ModelTransfer(spec.Name, spec.Path, Math.Max(0, SizeOf(partPath)), spec.PinnedSize, Finished: false));
                told = true;
            }

            var size = SizeOf(partPath);
            if (size != lastSize)
            {
                lastSize = size;
                lastProgress = options.Time.GetTimestamp();
            }
            else if (options.Time.GetElapsedTime(lastProgress) > options.IdleTimeout + options.RequestTimeout)
            {
                throw ModelDownloadException.Failed(spec, $"another process is downloading it into {partPath} and has written nothing for {(int)(options.IdleTimeout + options.RequestTimeout).TotalSeconds} s; if no other build is running, delete {lockPath}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), options.Time, cancellationToken);
        }
    }

    private static long SizeOf(string path)
    {
        try
        {
            return new FileInfo(path).Exists ? new FileInfo(path).Length : -1;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return -1;
        }
    }

    private async Task<string> DownloadAsync(LocalModelSpec spec, CancellationToken cancellationToken)
    {
        var partPath = spec.Path + ".part";
        var resumedFromEarlierRun = SizeOf(partPath) > 0;
        while (true)
        {
            await TransferWithRetriesAsync(spec, partPath, cancellationToken);
            string actual;
            using (var stream = new FileStream(partPath, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.SequentialScan))
            {
                actual = Convert.ToHexStringLower(SHA256.HashData(stream));
            }

            var expected = ExpectedSha256(spec);
            if (expected is not null && actual != expected)
            {
                File.Delete(partPath);
                if (resumedFromEarlierRun)
                {
                    // A part left by an earlier run may hold other bytes (the file changed on the server): start once from zero.
                    resumedFromEarlierRun = false;
                    continue;
                }

                throw ModelDownloadException.Mismatch(spec, spec.Url!.AbsoluteUri, expected, actual, spec.PinnedSha256 is null ? "recorded at its first download as" : "pinned as", downloaded: true);
            }

            if (expected is null)
            {
                // Nothing vouches for a bare URL's bytes: at least they must be a GGUF file, not an HTML page or an error.
                if (GgufStart(partPath) is { } start)
                {
                    var sent = new FileInfo(partPath).Length;
                    File.Delete(partPath);
                    throw ModelDownloadException.NotGguf(spec, sent, start);
                }

                AtomicFile.Write(RecordPath(spec), Encoding.UTF8.GetBytes(actual + "\n"));
            }

            File.Move(partPath, spec.Path, overwrite: false);
            Digests.Remember(spec.Path, actual);
            var length = new FileInfo(spec.Path).Length;
            options.Progress?.Invoke(new ModelTransfer(spec.Name, spec.Path, length, length, Finished: true));
            return actual;
        }
    }

    // Null when the file begins with GGUF's magic; else its first bytes, printable, for the message.
    private static string? GgufStart(string path)
    {
        Span<byte> head = stackalloc byte[16];
        int read;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }

        if (read >= 4 && head[..4].SequenceEqual("GGUF"u8))
        {
            return null;
        }

        return new string([.. head[..read].ToArray().Select(b => b is >= 0x20 and < 0x7F ? (char)b : '.')]);
    }

    // Requests until the .part holds the whole file: a cut, a stall or a 5xx is resumed after a backoff, retry_attempts requests in all.
    private async Task TransferWithRetriesAsync(LocalModelSpec spec, string partPath, CancellationToken cancellationToken)
    {
        var requests = 0;
        while (true)
        {
            string reason;
            try
            {
                requests++;
                if (await TransferAsync(spec, partPath, cancellationToken))
                {
                    return;
                }

                reason = "the server did not resume the download where it stopped";
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                reason = "the server went silent";
            }
            catch (HttpRequestException ex)
            {
                if (ex.StatusCode is { } status && (int)status is >= 400 and < 500 and not 408 and not 429)
                {
                    throw ModelDownloadException.Failed(spec, $"HTTP {(int)status}");
                }

                reason = ex.StatusCode is { } code ? $"HTTP {(int)code}" : ex.InnerException?.Message ?? ex.Message;
                if (ex.HttpRequestError is HttpRequestError.ConnectionError && Proxies.Unreachable(spec.Url!.AbsoluteUri, reason.TrimEnd('.')) is { } throughProxy)
                {
                    reason = throughProxy;
                }

            }
            catch (UnauthorizedAccessException)
            {
                throw ModelDownloadException.Unwritable(spec, options.ModelsDirectory, "permission denied");
            }
            catch (IOException ex) when (IsLocalWriteFailure(ex))
            {
                throw ModelDownloadException.Failed(spec, $"{partPath} cannot be written: {ex.Message}{Kept(partPath)}");
            }
            catch (IOException ex)
            {
                reason = ex.InnerException?.Message ?? ex.Message;
            }

            if (requests >= options.RetryAttempts)
            {
                throw ModelDownloadException.Failed(spec, $"{reason.TrimEnd('.')}, after {requests} {(requests == 1 ? "attempt" : "attempts")}{Kept(partPath)}");
            }

            await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, requests - 1))) * options.RetryDelayScale, options.Time, cancellationToken);
        }
    }

    // What the message may promise about a partial download: only a .part that exists, with its size.
    private static string Kept(string partPath) => SizeOf(partPath) is var size and > 0
        ? $"; the {size} bytes downloaded are kept in {partPath} and resumed next time"
        : string.Empty;

    // ENOSPC and EDQUOT: a full disk is not something a retry fixes.
    private static bool IsLocalWriteFailure(IOException ex) =>
        ex is DirectoryNotFoundException || (ex.HResult & 0xFFFF) is 28 or 122 || ex.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase);

    // One request: resumes from what the .part holds. False when the server ignored the range and must be asked again.
    private async Task<bool> TransferAsync(LocalModelSpec spec, string partPath, CancellationToken cancellationToken)
    {
        var have = Math.Max(0, SizeOf(partPath));
        using var request = new HttpRequestMessage(HttpMethod.Get, spec.Url);
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("gleitzeit", typeof(ModelDownloader).Assembly.GetName().Version?.ToString(3) ?? "0"));
        if (have > 0)
        {
            request.Headers.Range = new RangeHeaderValue(have, null);
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(options.RequestTimeout);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, limit.Token);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && have > 0)
        {
            // The part already holds the whole file (a run killed between the last byte and the rename).
            return true;
        }

        response.EnsureSuccessStatusCode();
        var append = have > 0 && response.StatusCode == HttpStatusCode.PartialContent && response.Content.Headers.ContentRange?.From == have;
        if (response.StatusCode == HttpStatusCode.PartialContent && !append)
        {
            File.Delete(partPath);
            return false;
        }

        var total = response.Content.Headers.ContentRange?.Length ?? (response.Content.Headers.ContentLength is { } length ? length + (append ? have : 0) : spec.PinnedSize);
        if (spec.PinnedSize is { } pinnedSize && total is { } announced && announced != pinnedSize)
        {
            throw ModelDownloadException.Failed(spec, $"the server announced {announced} bytes where {pinnedSize} are pinned");
        }

        await using var body = await response.Content.ReadAsStreamAsync(limit.Token);
        await using var file = new FileStream(partPath, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.Read, BufferSize, FileOptions.Asynchronous);
        var done = append ? have : 0;
        var buffer = new byte[BufferSize];
        var lastReport = options.Time.GetTimestamp();
        options.Progress?.Invoke(new ModelTransfer(spec.Name, spec.Path, done, total, Finished: false));
        while (true)
        {
            limit.CancelAfter(options.IdleTimeout);
            var read = await body.ReadAsync(buffer, limit.Token);
            if (read == 0)
            {
                break;
            }

            await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            done += read;
            if (options.Time.GetElapsedTime(lastReport) >= options.ProgressInterval)
            {
                lastReport = options.Time.GetTimestamp();
                options.Progress?.Invoke(new ModelTransfer(spec.Name, spec.Path, done, total, Finished: false));
            }
        }

        await file.FlushAsync(cancellationToken);
        file.Flush(flushToDisk: true);
        if (total is { } expected && done < expected)
        {
            throw new IOException($"the connection ended after {done} of {expected} bytes");
        }

        return true;
    }
}
