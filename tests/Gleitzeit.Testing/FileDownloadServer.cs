using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gleitzeit.Testing;

/// <summary>
/// A real HTTP server on 127.0.0.1 serving registered byte arrays or files for download tests: single-range
/// requests (<c>Accept-Ranges</c>, <c>206</c> with <c>Content-Range</c>, <c>416</c>, <c>If-Range</c>), <c>ETag</c> and
/// <c>Last-Modified</c>, HEAD, a request log, throttling in bytes per second, and faults (cut or stalled
/// connections, wrong bytes, error statuses) injected per path.
/// </summary>
public sealed class FileDownloadServer : IAsyncDisposable
{
    private const int MaxChunk = 64 * 1024;

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<DownloadRequest> _log = new();
    private readonly List<FaultRule> _faults = [];
    private readonly Lock _faultLock = new();
    private int _inFlight;
    private int _maxInFlight;

    private FileDownloadServer(WebApplication app) => _app = app;

    /// <summary>The server's base address, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string Endpoint { get; private set; } = string.Empty;

    /// <summary>Whether answers carry an <c>ETag</c> (and <c>If-Range</c> may name one).</summary>
    public bool SendETag { get; set; } = true;

    /// <summary>Whether answers carry a <c>Last-Modified</c> date.</summary>
    public bool SendLastModified { get; set; } = true;

    /// <summary>The body rate of every download without a rate of its own; 0 for as fast as possible.</summary>
    public long BytesPerSecond { get; set; }

    /// <summary>Every answered request, in the order the answers ended.</summary>
    public IReadOnlyList<DownloadRequest> Requests => [.. _log];

    /// <summary>Requests being answered now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>The most requests answered at once since the start (or <see cref="ClearLog"/>).</summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    /// <summary>Starts a server on a free loopback port.</summary>
    public static async Task<FileDownloadServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o =>
        {
            o.Listen(IPAddress.Loopback, 0);
            o.Limits.MinResponseDataRate = null; // throttled and stalled answers are the point
        });
        var app = builder.Build();
        var server = new FileDownloadServer(app);
        app.Run(server.Serve);
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!;
        server.Endpoint = addresses.Addresses.First().Replace("[::1]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/');
        return server;
    }

    /// <summary>The absolute URL of <paramref name="path"/> (which starts with '/').</summary>
    public Uri Url(string path) => new(Endpoint + path);

    /// <summary>Serves <paramref name="content"/> at <paramref name="path"/> (replacing what was there); returns its URL.</summary>
    public Uri Add(string path, byte[] content, DateTimeOffset? lastModified = null)
    {
        ArgumentNullException.ThrowIfNull(content);
        var etag = $"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..16]}\"";
        _entries[Checked(path)] = new Entry(content.LongLength, etag, lastModified ?? DefaultDate, content, null);
        return Url(path);
    }

    /// <summary>Serves the file <paramref name="file"/> at <paramref name="path"/>, read from disk per request; returns its URL.</summary>
    public Uri AddFile(string path, string file)
    {
        var info = new FileInfo(file);
        var etag = $"\"{info.Length:x}-{info.LastWriteTimeUtc.Ticks:x}\"";
        _entries[Checked(path)] = new Entry(info.Length, etag, new DateTimeOffset(info.LastWriteTimeUtc), null, info.FullName);
        return Url(path);
    }

    /// <summary>Stops serving <paramref name="path"/>: it answers 404.</summary>
    public bool Remove(string path) => _entries.TryRemove(path, out _);

    /// <summary>The <c>ETag</c> the server sends for <paramref name="path"/>, quotes included.</summary>
    public string? ETagOf(string path) => _entries.TryGetValue(path, out var entry) ? entry.ETag : null;

    /// <summary>Limits the body rate of <paramref name="path"/> (0 falls back to <see cref="BytesPerSecond"/>).</summary>
    public void Throttle(string path, long bytesPerSecond)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytesPerSecond);
        _entries[path].BytesPerSecond = bytesPerSecond;
    }

    /// <summary>Injects <paramref name="fault"/> into the next <paramref name="times"/> requests for <paramref name="path"/> (<see cref="int.MaxValue"/>: always).</summary>
    public void InjectFault(string path, DownloadFault fault, int times = 1)
    {
        ArgumentNullException.ThrowIfNull(fault);
        lock (_faultLock)
        {
            _faults.Add(new FaultRule(path, fault, times));
        }
    }

    /// <summary>Forgets every injected fault not yet used.</summary>
    public void ClearFaults()
    {
        lock (_faultLock)
        {
            _faults.Clear();
        }
    }

    /// <summary>Forgets logged requests and resets <see cref="MaxInFlight"/>.</summary>
    public void ClearLog()
    {
        _log.Clear();
        Volatile.Write(ref _maxInFlight, InFlight);
    }

    /// <summary>Waits until at least <paramref name="count"/> requests are logged (answers are logged when they end, which can be just after the client saw them).</summary>
    public async Task<IReadOnlyList<DownloadRequest>> WaitForRequestsAsync(int count, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        while (_log.Count < count)
        {
            if (deadline.Elapsed > limit)
            {
                throw new TimeoutException($"{_log.Count} of {count} requests logged after {limit.TotalSeconds:0.#} s.");
            }

            await Task.Delay(10);
        }

        return Requests;
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }

    private static DateTimeOffset DefaultDate { get; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static string Checked(string path) => path.StartsWith('/') ? path : throw new ArgumentException($"A path starts with '/': {path}", nameof(path));

    private async Task Serve(HttpContext context)
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var request = context.Request;
        var response = context.Response;
        var path = request.Path.Value ?? "/";
        var range = request.Headers.Range.Count > 0 ? request.Headers.Range.ToString() : null;
        var sent = new StrongBox<long>();
        var completed = false;
        DownloadFault? fault = null;
        var now = Interlocked.Increment(ref _inFlight);
        for (var max = MaxInFlight; now > max && Interlocked.CompareExchange(ref _maxInFlight, now, max) != max; max = MaxInFlight)
        {
        }

        try
        {
            completed = await Answer(context, path, range, sent, f => fault = f);
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
            _log.Enqueue(new DownloadRequest(request.Method, path, range, response.StatusCode, sent.Value, started, clock.Elapsed, fault, completed));
        }
    }

    // Returns whether the whole answer was sent.
    private async Task<bool> Answer(HttpContext context, string path, string? range, StrongBox<long> sent, Action<DownloadFault> faulted)
    {
        var request = context.Request;
        var response = context.Response;
        var isHead = HttpMethods.IsHead(request.Method);
        if (!isHead && !HttpMethods.IsGet(request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers.Allow = "GET, HEAD";
            return true;
        }

        if (!_entries.TryGetValue(path, out var entry))
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            await response.WriteAsync("not found", context.RequestAborted);
            return true;
        }

        var fault = TakeFault(path);
        if (fault is not null)
        {
            faulted(fault);
        }

        if (fault?.Kind is DownloadFaultKind.Status)
        {
            response.StatusCode = fault.StatusCode;
            await response.WriteAsync($"injected status {fault.StatusCode}", context.RequestAborted);
            return true;
        }

        response.ContentType = "application/octet-stream";
        response.Headers.AcceptRanges = "bytes";
        if (SendETag)
        {
            response.Headers.ETag = entry.ETag;
        }

        if (SendLastModified)
        {
            response.Headers.LastModified = entry.LastModified.ToString("R", CultureInfo.InvariantCulture);
        }

        var selected = ByteRange.Select(range, request.Headers.IfRange.ToString(), entry.Length, SendETag ? entry.ETag : null, SendLastModified ? entry.LastModified : null);
        if (selected is null)
        {
            response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
            response.Headers.ContentRange = $"bytes */{entry.Length}";
            return true;
        }

        var (start, length, partial) = selected.Value;
        response.StatusCode = partial ? StatusCodes.Status206PartialContent : StatusCodes.Status200OK;
        if (partial)
        {
            response.Headers.ContentRange = $"bytes {start}-{start + length - 1}/{entry.Length}";
        }

        response.ContentLength = length;
        if (isHead)
        {
            return true;
        }

        await response.StartAsync(context.RequestAborted);
        await response.Body.FlushAsync(context.RequestAborted); // the headers reach the client even if the body is cut at once
        await WriteBody(context, entry, start, length, fault, sent);
        switch (fault?.Kind)
        {
            case DownloadFaultKind.Cut:
                // Returning short of Content-Length makes Kestrel close the connection after what was written
                // (context.Abort() could drop the unsent headers with the rest).
                return sent.Value == length;
            case DownloadFaultKind.Stall:
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
                return false;
            default:
                return sent.Value == length;
        }
    }

    private async Task WriteBody(HttpContext context, Entry entry, long start, long length, DownloadFault? fault, StrongBox<long> sent)
    {
        var aborted = context.RequestAborted;
        var limit = fault?.Kind is DownloadFaultKind.Cut or DownloadFaultKind.Stall ? Math.Min(length, fault.Bytes) : length;
        var rate = entry.BytesPerSecond > 0 ? entry.BytesPerSecond : BytesPerSecond;
        var chunk = rate > 0 ? (int)Math.Clamp(rate / 20, 1, MaxChunk) : MaxChunk;
        var buffer = new byte[chunk];
        var clock = Stopwatch.StartNew();
        await using var stream = entry.Open();
        stream.Position = start;
        while (sent.Value < limit)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(chunk, limit - sent.Value)), aborted);
            if (read == 0)
            {
                break;
            }

            if (fault?.Kind is DownloadFaultKind.WrongBytes)
            {
                for (var i = 0; i < read; i++)
                {
                    buffer[i] = (byte)~buffer[i];
                }
            }

            await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), aborted);
            await context.Response.Body.FlushAsync(aborted);
            sent.Value += read;
            if (rate > 0)
            {
                var due = TimeSpan.FromSeconds(sent.Value / (double)rate) - clock.Elapsed;
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, aborted);
                }
            }
        }
    }

    private DownloadFault? TakeFault(string path)
    {
        lock (_faultLock)
        {
            var rule = _faults.FirstOrDefault(r => r.Remaining > 0 && r.Path == path);
            if (rule is null)
            {
                return null;
            }

            if (rule.Remaining != int.MaxValue)
            {
                rule.Remaining--;
            }

            return rule.Fault;
        }
    }

    private sealed class Entry(long length, string etag, DateTimeOffset lastModified, byte[]? bytes, string? file)
    {
        public long Length { get; } = length;

        public string ETag { get; } = etag;

        public DateTimeOffset LastModified { get; } = lastModified;

        public long BytesPerSecond { get; set; }

        public Stream Open() => bytes is not null
            ? new MemoryStream(bytes, writable: false)
            : new FileStream(file!, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.Asynchronous);
    }

    private sealed class FaultRule(string path, DownloadFault fault, int times)
    {
        public string Path { get; } = path;

        public DownloadFault Fault { get; } = fault;

        public int Remaining { get; set; } = times;
    }
}
