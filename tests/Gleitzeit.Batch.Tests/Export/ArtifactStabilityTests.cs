using System.Text;
using System.Text.Json.Nodes;
using Gleitzeit.Batch.Caching;
using Gleitzeit.Batch.Export;
using Gleitzeit.Batch.Inputs;
using Gleitzeit.Batch.Planning;
using Gleitzeit.Batch.Results;

namespace Gleitzeit.Batch.Tests.Export;

/// <summary>A committed artifact changes only when an answer, an input or a setting does, and never names a server.</summary>
public sealed class ArtifactStabilityTests
{
    private const string Url = "http://gpu-box.internal:8080/weights/tiny.gguf?token=abc";

    private static ItemResult Failed(double seconds) => new() { File = "b.md", Status = ItemResult.Failed, Error = "timed out", ProcessingTime = seconds };

    private static ItemResult Skipped(double seconds) => new() { File = "c.bin", Status = ItemResult.Skipped, Error = "File too large", ProcessingTime = seconds };

    private static ItemResult Success(string model = "llama3.2:latest") => new()
    {
        File = "a.md", Status = ItemResult.Success, Result = "About a.", ProcessingTime = 1.5, Model = model, ModelDigest = "sha256:0123456789abcdef", CacheKey = "k1",
    };

    private static string Json(ExportDocument document) => Encoding.UTF8.GetString(ExportFormats.ToBytes(ExportFormat.Json, document));

    [Fact]
    public void AFailedOrSkippedItemsTime_IsNotInTheArtifact_SoARebuildWritesTheSameBytes()
    {
        var first = ExportDocument.ForArtifact("docs", [], [Success(), Failed(12.3), Skipped(0.2)]);
        var second = ExportDocument.ForArtifact("docs", [], [Success(), Failed(47.9), Skipped(0.4)]);

        foreach (var format in new[] { ExportFormat.Json, ExportFormat.Csv, ExportFormat.Markdown })
        {
            Assert.Equal(ExportFormats.ToBytes(format, first), ExportFormats.ToBytes(format, second));
        }

        Assert.Contains("\"processing_time\": 1.5\n  },", Json(first), StringComparison.Ordinal);
        Assert.Equal([1.5, 0, 0], first.Results.Select(r => r.ProcessingTime));
    }

    [Fact]
    public void ARecordsExport_KeepsTheFailedItemsTime()
    {
        var record = new BatchRecord
        {
            BatchId = "batch_2026-01-01_00-00-00",
            Plan = new BatchPlan { Root = "/r", Templates = [], Items = [] },
        };
        record.Results["b.md"] = Failed(12.3);

        Assert.Contains("\"processing_time\": 12.3,", Json(ExportDocument.FromRecord(record)), StringComparison.Ordinal);
    }

    [Fact]
    public void AModelGivenAsAUrl_IsNamedByItsFileName_InEveryArtifact()
    {
        var template = new PromptTemplate { Messages = PromptMessage.FromPrompt("Summarize.", null), Model = Url };
        var plan = new BatchPlan
        {
            Name = "docs",
            Root = "/r",
            Parameters = new JsonObject { ["batch"] = "docs", ["model"] = Url },
            Templates = [template],
            Items = [new BatchItem { File = "a.md" }],
        };
        IReadOnlyList<ItemResult> results = [Success(Url)];
        var document = ExportDocument.ForArtifact("docs", plan.ExportParameters, results, Provenance.From([(plan, results)]));

        foreach (var format in new[] { ExportFormat.Json, ExportFormat.Csv, ExportFormat.Markdown })
        {
            var text = Encoding.UTF8.GetString(ExportFormats.ToBytes(format, document));
            Assert.DoesNotContain("gpu-box", text, StringComparison.Ordinal);
            Assert.DoesNotContain("token", text, StringComparison.Ordinal);
        }

        var json = Json(document);
        Assert.Equal("tiny.gguf", document.Parameters["model"]?.GetValue<string>());
        Assert.Equal(Url, plan.Parameters["model"]?.GetValue<string>());

        // parameters, the prompt's provenance, provenance.models, the result.
        Assert.Equal(4, json.Split("\"model\": \"tiny.gguf\"").Length - 1);
        Assert.Contains("**Model**: tiny.gguf (0123456789ab)", Encoding.UTF8.GetString(ExportFormats.ToBytes(ExportFormat.Markdown, document)), StringComparison.Ordinal);
    }

    [Fact]
    public void TheDigestOfAModelGivenAsAUrl_IsFoundAgainInTheArtifact_ByItsFileName()
    {
        var template = new PromptTemplate { Messages = PromptMessage.FromPrompt("Summarize.", null), Model = Url };
        var plan = new BatchPlan { Name = "docs", Root = "/r", Templates = [template], Items = [new BatchItem { File = "a.md" }] };
        IReadOnlyList<ItemResult> results = [Success(Url)];
        var path = Path.Combine(Path.GetTempPath(), "gleitzeit-tests", Guid.NewGuid().ToString("N") + ".json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        try
        {
            File.WriteAllBytes(path, ExportFormats.ToBytes(ExportFormat.Json, ExportDocument.ForArtifact("docs", plan.ExportParameters, results, Provenance.From([(plan, results)]))));

            var read = ArtifactAnswers.Read(path, m => m.Trim());

            Assert.Equal("sha256:0123456789abcdef", read.Answers?.DigestOf(Url));
            Assert.Equal("About a.", read.Answers?.TryGet("k1")?.Result);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
