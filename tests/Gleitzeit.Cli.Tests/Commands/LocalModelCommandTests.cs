using System.Diagnostics;
using Gleitzeit.Batch.Results;
using Gleitzeit.Testing;

namespace Gleitzeit.Cli.Tests.Commands;

/// <summary>
/// <c>--provider local</c> through gleitzeit as a child process: the model (a tiny random-weight GGUF made here) is
/// downloaded from a 127.0.0.1 server and runs inside the CLI. Its text is noise: the tests count tokens.
/// </summary>
public sealed class LocalModelCommandTests : IAsyncLifetime
{
    private readonly byte[] _model = TinyGguf.Create(new TinyGgufOptions { ContextLength = 32768 });
    private CliHarness _h = null!;
    private FileDownloadServer _files = null!;
    private string _url = null!;

    public async Task InitializeAsync()
    {
        _h = await CliHarness.StartAsync();
        _files = await FileDownloadServer.StartAsync();
        _url = _files.Add("/models/tiny.gguf", _model).AbsoluteUri;
        _h.ThreeDocs();
    }

    public async Task DisposeAsync()
    {
        await _files.DisposeAsync();
        await _h.DisposeAsync();
    }

    [Fact]
    public async Task TheModelIsDownloadedOnceWithProgressLines_EveryItemIsAnswered_AndASecondRunSendsNothing()
    {
        var first = await _h.RunProcessAsync("batch", "docs", "--provider", "local", "--model", _url);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains($"downloading model {_url} to {Path.Combine(_h.Home, "models")}", first.Out, StringComparison.Ordinal);
        Assert.Contains("downloaded to", first.Out, StringComparison.Ordinal);
        Assert.Empty(_h.Server.Requests);
        var record = new ResultStore(_h.ResultsDirectory).List().Single();
        Assert.Equal(3, record.Successful);
        Assert.All(record.Results.Values, r => Assert.True(r.Tokens!.Completion > 0 && r.Tokens.Prompt > 0));

        var second = await _h.RunProcessAsync("batch", "docs", "--provider", "local", "--model", _url);

        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("3 ok (3 from cache, 0 sent)", second.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("downloading", second.Out, StringComparison.Ordinal);
        Assert.Single(_files.Requests);
    }

    [Fact]
    public async Task TheReadmesOfflineCliCommand_AsWritten_AnswersTheSampleDocuments_AndASecondRunSendsNothing()
    {
        // The README's line, run from a copy of the repository's samples/documents, with the served model's URL for PORT.
        const string Prefix = "`GLEITZEIT_MODEL=http://127.0.0.1:PORT/tiny.gguf dotnet run --project src/Gleitzeit.Cli -- ";
        var readme = Docs.Readme();
        var start = readme.IndexOf(Prefix, StringComparison.Ordinal);
        Assert.True(start >= 0, "the README's offline CLI command");
        var line = readme[(start + Prefix.Length)..readme.IndexOf('`', start + 1)];
        var args = ShellWords(line);
        var checkout = Path.Combine(_h.Root, "checkout");
        Directory.CreateDirectory(Path.Combine(checkout, "samples", "documents"));
        foreach (var file in Directory.EnumerateFiles(Path.Combine(RepositoryLayout.Root(), "samples", "documents")))
        {
            File.Copy(file, Path.Combine(checkout, "samples", "documents", Path.GetFileName(file)));
        }

        var served = _files.Add("/tiny.gguf", TinyGguf.Create(TinyGgufOptions.Served)).AbsoluteUri;
        var environment = new Dictionary<string, string> { ["GLEITZEIT_MODEL"] = served };

        var first = await _h.RunProcessInAsync(checkout, environment, args);
        var second = await _h.RunProcessInAsync(checkout, environment, args);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("3 ok (0 from cache, 3 sent)", first.Out, StringComparison.Ordinal);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("3 ok (3 from cache, 0 sent)", second.Out, StringComparison.Ordinal);
    }

    private static string[] ShellWords(string line) =>
        System.Text.RegularExpressions.Regex.Matches(line, "\"([^\"]*)\"|(\\S+)").Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value).ToArray();

    [Fact]
    public async Task ReplacingTheModelFile_SendsEveryItemAgain()
    {
        var path = Path.Combine(_h.Root, "model.gguf");
        File.WriteAllBytes(path, _model);
        Assert.Equal(0, (await _h.RunProcessAsync("batch", "docs", "--provider", "local", "--model", path)).ExitCode);

        TinyGguf.Write(path, new TinyGgufOptions { ContextLength = 32768, Seed = 2 });
        var again = await _h.RunProcessAsync("batch", "docs", "--provider", "local", "--model", path);

        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("3 ok (0 from cache, 3 sent)", again.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoProcessesAtOnce_DownloadTheModelOnce_AndBothAnswerEverything()
    {
        _files.Throttle("/models/tiny.gguf", _model.Length);

        var both = await Task.WhenAll(
            _h.RunProcessAsync("batch", "docs", "--provider", "local", "--model", _url, "--output", "one.json"),
            _h.RunProcessAsync("batch", "docs", "--provider", "local", "--model", _url, "--output", "two.json"));

        Assert.All(both, r => Assert.True(r.ExitCode == 0, r.ToString()));
        var request = Assert.Single(_files.Requests);
        Assert.Null(request.Range);
    }

    [Fact]
    public async Task CtrlC_InTheMiddleOfAGeneration_EndsWithinSeconds_AndTheBatchCanBeResumed()
    {
        // A model that never ends a sentence, asked for as many tokens as its window holds: a generation of many seconds.
        var endless = Path.Combine(_h.Root, "endless.gguf");
        TinyGguf.Write(endless, EndlessGeneration.Model);
        _h.Write("long.yaml", EndlessGeneration.Workflow("summaries"), under: _h.Root);
        using var process = _h.Start("run", "long.yaml", "--provider", "local", "--model", endless, "--context-length", "65536", "--timeout", "600");
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadLineAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        await Task.Delay(1500);
        Assert.False(process.HasExited, "the generation ended before the interrupt");

        var interrupted = Stopwatch.StartNew();
        Assert.Equal(0, Signals.Send(process.Id, Signals.Interrupt));
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await process.WaitForExitAsync(timeout.Token);
        }

        Assert.True(interrupted.Elapsed < TimeSpan.FromSeconds(5), $"ended {interrupted.Elapsed} after Ctrl+C");
        Assert.True(process.ExitCode == 130, $"exit {process.ExitCode}\n{await stdout}\n{await stderr}");
        Assert.Equal(BatchStatus.Cancelled, new ResultStore(_h.ResultsDirectory).List().Single().Status);
    }

    [Fact]
    public async Task ResumedFromAnotherDirectory_WithoutNamingTheProvider_RunsOnTheBatchsOwnLocalModel()
    {
        File.WriteAllBytes(Path.Combine(_h.Root, "model.gguf"), _model);
        _h.Write("later.txt", string.Empty);
        var first = await _h.RunProcessAsync("batch", "docs", "--provider", "local", "--model", "model.gguf");
        var record = new ResultStore(_h.ResultsDirectory).List().Single();
        Assert.True(record.Results["later.txt"].Status == ItemResult.Skipped, first.ToString());
        _h.Write("later.txt", "Written after the first run.");
        var elsewhere = Directory.CreateDirectory(Path.Combine(_h.Root, "elsewhere")).FullName;

        var resumed = await _h.RunProcessInAsync(elsewhere, "batch-resume", record.BatchId);

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Equal(ItemResult.Success, new ResultStore(_h.ResultsDirectory).Load(record.BatchId)!.Results["later.txt"].Status);
        Assert.Empty(_h.Server.Requests);
    }

    [Fact]
    public async Task ResumedFromAnotherDirectory_ADownloadedModel_IsFoundInTheBatchsModelsDirectory_NotFetchedAgain()
    {
        _h.Write("later.txt", string.Empty);
        await _h.RunProcessAsync("batch", "docs", "--provider", "local", "--model", _url, "--models-directory", "my-models");
        var id = new ResultStore(_h.ResultsDirectory).List().Single().BatchId;
        _h.Write("later.txt", "Written after the first run.");
        _files.ClearLog();
        var elsewhere = Directory.CreateDirectory(Path.Combine(_h.Root, "elsewhere")).FullName;

        var resumed = await _h.RunProcessInAsync(elsewhere, "batch-resume", id);

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Empty(_files.Requests);
        Assert.False(Directory.Exists(Path.Combine(_h.Home, "models")));
    }

    [Fact]
    public async Task ARecordOfAnEarlierVersion_WithoutItsProvider_ResumesOnTheLocalModel_NotAsAnAddress()
    {
        File.WriteAllBytes(Path.Combine(_h.Root, "model.gguf"), _model);
        _h.Write("later.txt", string.Empty);
        await _h.RunProcessAsync("batch", "docs", "--provider", "local", "--model", "model.gguf");
        var id = new ResultStore(_h.ResultsDirectory).List().Single().BatchId;
        var recordPath = Path.Combine(_h.ResultsDirectory, id + ".json");
        var record = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(recordPath))!.AsObject();
        Assert.Equal("the local model", (string?)record["endpoint"]);
        record.Remove("provider");
        record.Remove("working_directory");
        record.Remove("models_directory");
        File.WriteAllText(recordPath, record.ToJsonString());
        _h.Write("later.txt", "Written after the first run.");

        var resumed = await _h.RunProcessAsync("batch-resume", id);

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Empty(_h.Server.Requests);
    }

    [Theory]
    [InlineData("fifo", "a FIFO (named pipe)")]
    [InlineData("device", "a character device")]
    [InlineData("directory", "a directory")]
    public async Task AModelPathThatIsNotARegularFile_IsRefusedAtOnce_NotReadForEver(string kind, string described)
    {
        var path = Path.Combine(_h.Root, "model.gguf");
        switch (kind)
        {
            case "fifo":
                Unix.MakeFifo(path);
                break;
            case "directory":
                Directory.CreateDirectory(path);
                break;
            default:
                path = "/dev/zero";
                break;
        }

        var result = await _h.RunProcessAsync("batch", "docs", "--provider", "local", "--model", path);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains($"cannot read model file {path}: it is {described}, not a regular file", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoNetwork_StopsWithOneErrorNamingTheUrlAndWhereToPlaceTheFile()
    {
        var result = await _h.RunProcessAsync("batch", "docs", "--provider", "local", "--model", "http://127.0.0.1:9/models/tiny.gguf", "--retries", "0");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("GZ2008", result.Error + result.Out, StringComparison.Ordinal);
        Assert.Contains("http://127.0.0.1:9/models/tiny.gguf", result.Error, StringComparison.Ordinal);
        Assert.Contains($"place the file by hand at {Path.Combine(_h.Home, "models")}", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AModelInPlace_InAReadOnlyModelsDirectory_IsUsed_WithoutALock()
    {
        Assert.Equal(0, (await _h.RunProcessAsync("batch", "docs", "--provider", "local", "--model", _url)).ExitCode);
        _h.Write("meeting_notes.txt", "Meeting notes: ship on Monday.");
        _h.Write("sample_story.txt", "Twice upon a time a linker slept.");
        _files.ClearLog();
        var models = Path.Combine(_h.Home, "models");
        _h.OpenToEveryone();
        Unix.Run("chmod", "555", models);

        var result = await _h.RunUnprivilegedAsync("batch", "docs", "--provider", "local", "--model", _url);

        Unix.Run("chmod", "755", models);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("3 ok (1 from cache, 2 sent)", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(".lock", result.Out + result.Error, StringComparison.Ordinal);
        Assert.Empty(_files.Requests);
    }

    [Fact]
    public async Task AModelToDownload_IntoAReadOnlyModelsDirectory_StopsTheBatchOnce_NamingTheDirectory()
    {
        var models = Directory.CreateDirectory(Path.Combine(_h.Home, "models")).FullName;
        _h.OpenToEveryone();
        Unix.Run("chmod", "555", models);

        var result = await _h.RunUnprivilegedAsync("batch", "docs", "--provider", "local", "--model", _url);

        Unix.Run("chmod", "755", models);
        Assert.True(result.ExitCode == 2, result.ToString());
        var errors = result.Error.Split('\n').Where(l => l.Contains("GZ2008", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 1, result.ToString());
        Assert.True(errors[0].Contains($"the models directory {models} cannot be written", StringComparison.Ordinal), result.ToString());
        Assert.Contains("make it writable", errors[0], StringComparison.Ordinal);
        Assert.Contains("models_directory", errors[0], StringComparison.Ordinal);
        Assert.Contains("place the file by hand", errors[0], StringComparison.Ordinal);
        Assert.DoesNotContain(".txt", result.Error, StringComparison.Ordinal);
        Assert.Empty(_files.Requests);
    }

    [Fact]
    public async Task NoLlamaCppForThisMachine_IsGz1005WithWhatToDo()
    {
        var empty = Directory.CreateDirectory(Path.Combine(_h.Root, "no-natives")).FullName;
        File.WriteAllBytes(Path.Combine(_h.Root, "model.gguf"), _model);

        var result = await _h.RunProcessAsync(new Dictionary<string, string> { ["GLEITZEIT_LLAMA_NATIVES"] = empty }, "batch", "docs", "--provider", "local", "--model", "model.gguf");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("GZ1005", result.Error + result.Out, StringComparison.Ordinal);
        Assert.Contains($"{empty}, which holds no libllama.so", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }
}
