using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Gleitzeit.Testing;

namespace Gleitzeit.Batch.Tests.Testing;

public sealed class FileDownloadServerTests : IAsyncLifetime
{
    private const string Path = "/models/tiny.gguf";
    private static readonly byte[] Content = Enumerable.Range(0, 100_000).Select(i => (byte)(i * 31 % 251)).ToArray();

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private FileDownloadServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await FileDownloadServer.StartAsync();
        _server.Add(Path, Content);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Get_ReturnsTheBytes_WithLengthRangesAndValidators()
    {
        using var response = await _http.GetAsync(_server.Url(Path));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Content, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(Content.Length, response.Content.Headers.ContentLength);
        Assert.Contains("bytes", response.Headers.AcceptRanges);
        Assert.Equal(_server.ETagOf(Path), response.Headers.ETag?.ToString());
        Assert.NotNull(response.Content.Headers.LastModified);
        var logged = Assert.Single(await _server.WaitForRequestsAsync(1));
        Assert.Equal((Path, 200, (long)Content.Length, true), (logged.Path, logged.Status, logged.BytesSent, logged.Completed));
    }

    [Theory]
    [InlineData("bytes=10-19", 10, 10)]
    [InlineData("bytes=99990-", 99_990, 10)]
    [InlineData("bytes=-5", 99_995, 5)]
    [InlineData("bytes=99995-200000", 99_995, 5)]
    public async Task Range_Returns206_WithContentRange(string range, int start, int length)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _server.Url(Path));
        request.Headers.TryAddWithoutValidation("Range", range);

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(Content.AsSpan(start, length).ToArray(), await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(new ContentRangeHeaderValue(start, start + length - 1, Content.Length), response.Content.Headers.ContentRange);
        Assert.Equal(range, (await _server.WaitForRequestsAsync(1))[0].Range);
    }

    [Theory]
    [InlineData("bytes=100000-")]
    [InlineData("bytes=200000-300000")]
    [InlineData("bytes=-0")]
    public async Task UnsatisfiableRange_Returns416_WithTheLength(string range)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _server.Url(Path));
        request.Headers.TryAddWithoutValidation("Range", range);

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, response.StatusCode);
        Assert.Equal("bytes */100000", response.Content.Headers.ContentRange?.ToString());
    }

    [Fact]
    public async Task IfRange_ThatNoLongerMatches_GetsTheWholeNewContent()
    {
        var oldTag = _server.ETagOf(Path)!;
        var changed = Content.Reverse().ToArray();
        _server.Add(Path, changed);
        using var request = new HttpRequestMessage(HttpMethod.Get, _server.Url(Path));
        request.Headers.Range = new RangeHeaderValue(50_000, null);
        request.Headers.IfRange = new RangeConditionHeaderValue(oldTag);

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(changed, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task CutOnce_ThenResumeWithRange_GetsTheRest()
    {
        _server.InjectFault(Path, DownloadFault.CutAfter(30_000));
        var received = new MemoryStream();

        using (var response = await _http.GetAsync(_server.Url(Path), HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await using var body = await response.Content.ReadAsStreamAsync();
            await Assert.ThrowsAnyAsync<IOException>(() => body.CopyToAsync(received));
        }

        Assert.Equal(30_000, received.Length);
        using var resume = new HttpRequestMessage(HttpMethod.Get, _server.Url(Path));
        resume.Headers.Range = new RangeHeaderValue(received.Length, null);
        resume.Headers.IfRange = new RangeConditionHeaderValue(_server.ETagOf(Path)!);
        using (var response = await _http.SendAsync(resume))
        {
            Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
            await (await response.Content.ReadAsStreamAsync()).CopyToAsync(received);
        }

        Assert.Equal(SHA256.HashData(Content), SHA256.HashData(received.ToArray()));
        var log = await _server.WaitForRequestsAsync(2);
        Assert.Equal((30_000L, false, DownloadFaultKind.Cut), (log[0].BytesSent, log[0].Completed, log[0].Fault?.Kind));
        Assert.Equal(("bytes=30000-", 206, 70_000L, true), (log[1].Range, log[1].Status, log[1].BytesSent, log[1].Completed));
    }

    [Fact]
    public async Task CutAlways_CutsEveryRequest()
    {
        _server.InjectFault(Path, DownloadFault.CutAfter(0), times: int.MaxValue);

        for (var i = 0; i < 3; i++)
        {
            using var response = await _http.GetAsync(_server.Url(Path), HttpCompletionOption.ResponseHeadersRead);
            await using var body = await response.Content.ReadAsStreamAsync();
            await Assert.ThrowsAnyAsync<IOException>(() => body.CopyToAsync(Stream.Null));
        }

        Assert.All(await _server.WaitForRequestsAsync(3), r => Assert.Equal((0L, false), (r.BytesSent, r.Completed)));
    }

    [Fact]
    public async Task WrongBytes_HaveTheRightLength_AndTheWrongHash()
    {
        _server.InjectFault(Path, DownloadFault.WrongBytes);

        var wrong = await _http.GetByteArrayAsync(_server.Url(Path));
        var right = await _http.GetByteArrayAsync(_server.Url(Path));

        Assert.Equal(Content.Length, wrong.Length);
        Assert.NotEqual(SHA256.HashData(Content), SHA256.HashData(wrong));
        Assert.Equal(Content, right);
    }

    [Theory]
    [InlineData(404)]
    [InlineData(500)]
    [InlineData(503)]
    public async Task StatusFault_IsAnsweredOnce_ThenTheContent(int status)
    {
        _server.InjectFault(Path, DownloadFault.Status(status));

        using var first = await _http.GetAsync(_server.Url(Path));
        using var second = await _http.GetAsync(_server.Url(Path));

        Assert.Equal((HttpStatusCode)status, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
    }

    [Fact]
    public async Task UnknownPath_Is404_AndHeadSendsHeadersOnly()
    {
        using var missing = await _http.GetAsync(_server.Url("/nothing"));
        using var head = await _http.SendAsync(new HttpRequestMessage(HttpMethod.Head, _server.Url(Path)));

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(Content.Length, head.Content.Headers.ContentLength);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Throttled_TwoDownloadsRunAtOnce_AndEachTakesItsTime()
    {
        _server.Add("/a", Content[..20_000]);
        _server.Add("/b", Content[..20_000]);
        // A second each: long enough that the second request starts while the first is still sending, even on a
        // loaded machine where opening the second connection takes a few hundred milliseconds (0.2 s each was flaky).
        _server.BytesPerSecond = 20_000;
        var clock = Stopwatch.StartNew();

        var both = await Task.WhenAll(_http.GetByteArrayAsync(_server.Url("/a")), _http.GetByteArrayAsync(_server.Url("/b")));

        Assert.All(both, b => Assert.Equal(20_000, b.Length));
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(150), TimeSpan.FromSeconds(5));
        var log = await _server.WaitForRequestsAsync(2);
        Assert.Equal(2, _server.MaxInFlight);
        Assert.True(log[0].Started < log[1].Ended && log[1].Started < log[0].Ended, "the two downloads overlap");
    }

    [Fact]
    public async Task SlowDownload_IsCancelledPromptly_AndLoggedIncomplete()
    {
        _server.Throttle(Path, 20_000);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var clock = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _http.GetByteArrayAsync(_server.Url(Path), cancel.Token));

        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(3));
        var logged = (await _server.WaitForRequestsAsync(1))[0];
        Assert.False(logged.Completed);
        Assert.InRange(logged.BytesSent, 1, Content.Length - 1);
    }

    [Fact]
    public async Task Stall_HoldsTheConnection_UntilTheClientGivesUp()
    {
        _server.InjectFault(Path, DownloadFault.StallAfter(1_000));
        using var response = await _http.GetAsync(_server.Url(Path), HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[Content.Length];
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var read = 0;
        var stalled = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            while (true)
            {
                read += await body.ReadAsync(buffer.AsMemory(read), cancel.Token);
            }
        });

        Assert.NotNull(stalled);
        Assert.Equal(1_000, read);
    }

    [Fact]
    public async Task AddFile_ServesRangesFromDisk()
    {
        var file = System.IO.Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(file, Content);
            var url = _server.AddFile("/disk.bin", file);
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Range = new RangeHeaderValue(1_000, 1_999);

            using var response = await _http.SendAsync(request);

            Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
            Assert.Equal(Content.AsSpan(1_000, 1_000).ToArray(), await response.Content.ReadAsByteArrayAsync());
        }
        finally
        {
            File.Delete(file);
        }
    }
}
