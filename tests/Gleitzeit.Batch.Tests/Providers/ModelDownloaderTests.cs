using System.Security.Cryptography;
using Gleitzeit.Batch.Providers;
using Gleitzeit.Batch.Providers.Local;
using Gleitzeit.Testing;

namespace Gleitzeit.Batch.Tests.Providers;

/// <summary>Getting a local model in place, against a real HTTP server on 127.0.0.1 that cuts, stalls, corrupts and refuses.</summary>
public sealed class ModelDownloaderTests : IAsyncLifetime
{
    private readonly TestWorkspace _workspace = new();
    private readonly List<ModelTransfer> _progress = [];
    private readonly byte[] _model = TinyGguf.Create(new TinyGgufOptions { EmbeddingSize = 64 });
    private FileDownloadServer _server = null!;
    private Uri _url = null!;

    public async Task InitializeAsync()
    {
        _server = await FileDownloadServer.StartAsync();
        _url = _server.Add("/models/tiny.gguf", _model);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _workspace.Dispose();
    }

    private string ModelsDirectory => Path.Combine(_workspace.Home, "models");

    private string Sha256 => Convert.ToHexStringLower(SHA256.HashData(_model));

    private ModelDownloader Downloader(TimeSpan? idle = null) => new(new ModelDownloadOptions
    {
        ModelsDirectory = ModelsDirectory,
        RequestTimeout = TimeSpan.FromSeconds(5),
        IdleTimeout = idle ?? TimeSpan.FromSeconds(5),
        RetryAttempts = 3,
        RetryDelayScale = 0.01,
        ProgressInterval = TimeSpan.Zero,
        Progress = t =>
        {
            lock (_progress)
            {
                _progress.Add(t);
            }
        },
    });

    private LocalModelSpec Bare() => LocalModelSpec.Parse(_url.AbsoluteUri, ModelsDirectory);

    private LocalModelSpec Pinned(string? sha = null) => Bare() with { PinnedSha256 = sha ?? Sha256, PinnedSize = _model.Length };

    [Fact]
    public async Task ABareUrl_IsDownloadedOnce_ItsSha256Recorded_AndThenUsedWithoutARequest()
    {
        using var downloader = Downloader();
        var spec = Bare();

        var digest = await downloader.EnsureAsync(spec, CancellationToken.None);

        Assert.Equal(Sha256, digest);
        Assert.Equal(_model, File.ReadAllBytes(spec.Path));
        Assert.Equal(Sha256, ModelDownloader.ExpectedSha256(spec));
        Assert.False(File.Exists(spec.Path + ".part"));
        Assert.Contains(_progress, p => p.Finished && p.Done == _model.Length);

        _server.ClearLog();
        using var again = Downloader();
        Assert.Equal(Sha256, await again.EnsureAsync(spec, CancellationToken.None));
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task ACutConnection_IsResumedWithARangeRequest_AndTheFileIsWhole()
    {
        _server.InjectFault("/models/tiny.gguf", DownloadFault.CutAfter(_model.Length / 3));
        using var downloader = Downloader();

        var digest = await downloader.EnsureAsync(Pinned(), CancellationToken.None);

        Assert.Equal(Sha256, digest);
        var requests = _server.Requests;
        Assert.Equal(2, requests.Count);
        Assert.Null(requests[0].Range);
        Assert.StartsWith("bytes=", requests[1].Range, StringComparison.Ordinal);
        Assert.Equal(206, requests[1].Status);
        Assert.True(requests.Sum(r => r.BytesSent) < _model.Length * 1.5, "the second request sent only the rest");
    }

    [Fact]
    public async Task APartLeftByAKilledRun_IsResumedWhereItStopped()
    {
        var spec = Pinned();
        Directory.CreateDirectory(ModelsDirectory);
        File.WriteAllBytes(spec.Path + ".part", _model.AsSpan(0, _model.Length / 2).ToArray());
        using var downloader = Downloader();

        Assert.Equal(Sha256, await downloader.EnsureAsync(spec, CancellationToken.None));

        var request = Assert.Single(_server.Requests);
        Assert.Equal($"bytes={_model.Length / 2}-", request.Range);
        Assert.Equal(_model.Length - (_model.Length / 2), request.BytesSent);
    }

    [Fact]
    public async Task APartOfOtherBytes_IsDiscardedAndDownloadedAgainFromTheStart()
    {
        var spec = Pinned();
        Directory.CreateDirectory(ModelsDirectory);
        File.WriteAllBytes(spec.Path + ".part", new byte[_model.Length / 2]);
        using var downloader = Downloader();

        Assert.Equal(Sha256, await downloader.EnsureAsync(spec, CancellationToken.None));

        Assert.Equal(2, _server.Requests.Count);
        Assert.Null(_server.Requests[1].Range);
        Assert.Equal(_model, File.ReadAllBytes(spec.Path));
    }

    [Fact]
    public async Task BytesThatDoNotMatchThePinnedSha256_AreRejected_AndNotPutInPlace()
    {
        _server.InjectFault("/models/tiny.gguf", DownloadFault.WrongBytes);
        using var downloader = Downloader();
        var spec = Pinned();

        var error = await Assert.ThrowsAsync<ChatProviderException>(() => downloader.EnsureAsync(spec, CancellationToken.None));

        Assert.Equal(DiagnosticCodes.ModelDownloadFailed, error.Code);
        Assert.True(error.StopsBatch);
        Assert.Contains("SHA-256", error.Message, StringComparison.Ordinal);
        Assert.Contains(Sha256, error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(spec.Path));
        Assert.False(File.Exists(spec.Path + ".part"));
    }

    [Fact]
    public async Task AFileReplacedByHand_ThatIsNotThePinnedOne_IsRefusedWithWhatToDo()
    {
        var spec = Pinned();
        Directory.CreateDirectory(ModelsDirectory);
        File.WriteAllBytes(spec.Path, TinyGguf.Create(new TinyGgufOptions { Seed = 7 }));
        using var downloader = Downloader();

        var error = await Assert.ThrowsAsync<ChatProviderException>(() => downloader.EnsureAsync(spec, CancellationToken.None));

        Assert.Contains("delete it to download it again", error.Message, StringComparison.Ordinal);
        Assert.Contains(spec.Path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABareUrlThatServesAWebPage_IsNotTakenForTheModel_AndNothingIsRecorded()
    {
        var page = _server.Add("/owner/model/blob/main/model.gguf", "<!DOCTYPE html><html><body>model card</body></html>"u8.ToArray());
        using var downloader = Downloader();
        var spec = LocalModelSpec.Parse(page.AbsoluteUri, ModelsDirectory);

        var error = await Assert.ThrowsAsync<ChatProviderException>(() => downloader.EnsureAsync(spec, CancellationToken.None));

        Assert.Equal(DiagnosticCodes.ModelDownloadFailed, error.Code);
        Assert.Contains("not a GGUF model (they begin '<!DOCTYPE html><')", error.Message, StringComparison.Ordinal);
        Assert.Contains("/resolve/", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(spec.Path));
        Assert.False(File.Exists(spec.Path + ".sha256"));
        Assert.False(File.Exists(spec.Path + ".part"));
    }

    [Fact]
    public async Task ABareUrlWhoseFileChangedOnTheServer_IsRefusedNamingTheRecordToDelete()
    {
        var spec = Bare();
        using (var first = Downloader())
        {
            await first.EnsureAsync(spec, CancellationToken.None);
        }

        File.Delete(spec.Path);
        _server.Add("/models/tiny.gguf", TinyGguf.Create(new TinyGgufOptions { Seed = 9 }));
        using var downloader = Downloader();

        var error = await Assert.ThrowsAsync<ChatProviderException>(() => downloader.EnsureAsync(spec, CancellationToken.None));

        Assert.Contains($"the server's file changed since its first download; to take the new one, delete {spec.Path}.sha256", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(spec.Path));
    }

    [Fact]
    public async Task TwoDownloadsOfOneModelAtOnce_FetchItOnce_AndBothGetIt()
    {
        _server.Throttle("/models/tiny.gguf", _model.Length * 2);
        using var one = Downloader();
        using var two = Downloader();
        var spec = Bare();

        var digests = await Task.WhenAll(one.EnsureAsync(spec, CancellationToken.None), two.EnsureAsync(spec, CancellationToken.None));

        Assert.All(digests, d => Assert.Equal(Sha256, d));
        Assert.Single(_server.Requests);
        Assert.Equal(_model, File.ReadAllBytes(spec.Path));
    }

    [Fact]
    public async Task NoServer_FailsNamingTheUrlAndWhereTheFileCanBePlacedByHand()
    {
        var spec = Pinned();
        await _server.DisposeAsync();
        _server = await FileDownloadServer.StartAsync();
        using var downloader = Downloader();

        var started = DateTime.UtcNow;
        var error = await Assert.ThrowsAsync<ChatProviderException>(() => downloader.EnsureAsync(spec with { Url = new Uri("http://127.0.0.1:9/models/tiny.gguf") }, CancellationToken.None));

        Assert.Equal(DiagnosticCodes.ModelDownloadFailed, error.Code);
        Assert.Contains("http://127.0.0.1:9/models/tiny.gguf", error.Message, StringComparison.Ordinal);
        Assert.Contains($"place the file by hand at {spec.Path}", error.Message, StringComparison.Ordinal);
        Assert.Contains(Sha256, error.Message, StringComparison.Ordinal);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task NotFound_IsNotRetried()
    {
        using var downloader = Downloader();
        var spec = LocalModelSpec.Parse(_server.Url("/models/missing.gguf").AbsoluteUri, ModelsDirectory);

        var error = await Assert.ThrowsAsync<ChatProviderException>(() => downloader.EnsureAsync(spec, CancellationToken.None));

        Assert.Contains("HTTP 404", error.Message, StringComparison.Ordinal);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task AStalledDownload_IsResumedAfterTheIdleTimeout()
    {
        _server.InjectFault("/models/tiny.gguf", DownloadFault.StallAfter(_model.Length / 4));
        using var downloader = Downloader(idle: TimeSpan.FromMilliseconds(300));

        var started = DateTime.UtcNow;
        Assert.Equal(Sha256, await downloader.EnsureAsync(Pinned(), CancellationToken.None));

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
        Assert.StartsWith("bytes=", _server.Requests.Last().Range, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AServerThatKeepsFailing_GivesUpAfterTheRetries_KeepingThePartForNextTime()
    {
        _server.InjectFault("/models/tiny.gguf", DownloadFault.CutAfter(_model.Length / 5), times: int.MaxValue);
        using var downloader = Downloader();
        var spec = Pinned();

        var error = await Assert.ThrowsAsync<ChatProviderException>(() => downloader.EnsureAsync(spec, CancellationToken.None));

        Assert.Equal(3, _server.Requests.Count);
        Assert.Contains("after 3 attempts", error.Message, StringComparison.Ordinal);
        var kept = new FileInfo(spec.Path + ".part").Length;
        Assert.True(kept > 0);
        Assert.Contains($"the {kept} bytes downloaded are kept in {spec.Path}.part", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AServerErrorBeforeAnyByte_CountsItsRequests_AndNamesNoPartThatDoesNotExist()
    {
        _server.InjectFault("/models/tiny.gguf", DownloadFault.Status(503), times: int.MaxValue);
        using var downloader = Downloader();
        var spec = Pinned();

        var error = await Assert.ThrowsAsync<ChatProviderException>(() => downloader.EnsureAsync(spec, CancellationToken.None));

        Assert.Equal(DiagnosticCodes.ModelDownloadFailed, error.Code);
        Assert.Equal(3, _server.Requests.Count);
        Assert.Contains("HTTP 503, after 3 attempts", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(spec.Path + ".part"));
        Assert.DoesNotContain(".part", error.Message, StringComparison.Ordinal);
    }
}
