using System.Text;
using System.Text.Json.Nodes;
using Gleitzeit.Batch.Export;
using Gleitzeit.Batch.Results;

namespace Gleitzeit.Batch.Tests.Export;

/// <summary>The exports reproduce the seed design's layouts byte for byte (ORIGIN_BATCH_DESIGN.md, "Output Formats").</summary>
public sealed class ExporterTests
{
    private static ExportDocument Seed(bool withDate = true)
    {
        var results = new List<ItemResult>
        {
            new() { File = "document2.txt", Status = ItemResult.Success, Result = "Summary content...", ProcessingTime = 1.8 },
            new() { File = "document1.txt", Status = ItemResult.Success, Result = "Summary content...", ProcessingTime = 2.3 },
            new() { File = "document3.txt", Status = ItemResult.Failed, Error = "File too large", ProcessingTime = 0 },
        };
        var parameters = new JsonObject { ["prompt"] = "Summarize this document", ["model"] = "llama3.2", ["directory"] = "./documents" };
        var document = ExportDocument.ForArtifact("batch_2024-11-15_14-30-00", parameters, results);
        return withDate ? document with { Date = new DateTimeOffset(2024, 11, 15, 14, 30, 0, TimeZoneInfo.Local.GetUtcOffset(new DateTime(2024, 11, 15, 14, 30, 0))) } : document;
    }

    private static string Export(ExportFormat format, ExportDocument document)
    {
        var bytes = ExportFormats.ToBytes(format, document);
        Assert.False(bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble), "no BOM");
        Assert.DoesNotContain((byte)'\r', bytes);
        return Encoding.UTF8.GetString(bytes);
    }

    [Fact]
    public void Csv_MatchesTheSeedLayout()
    {
        Assert.Equal(
            """
            file,status,result,processing_time,error
            document1.txt,success,"Summary content...",2.3,
            document2.txt,success,"Summary content...",1.8,
            document3.txt,failed,,0.0,File too large

            """.ReplaceLineEndings("\n"),
            Export(ExportFormat.Csv, Seed()));
    }

    [Fact]
    public void Csv_QuotesCommasQuotesAndNewlines()
    {
        var document = ExportDocument.ForArtifact("b", [], [new ItemResult { File = "a, b.txt", Status = ItemResult.Success, Result = "He said \"hi\"\nthen left", ProcessingTime = 1 }]);

        Assert.Equal("file,status,result,processing_time,error\n\"a, b.txt\",success,\"He said \"\"hi\"\"\nthen left\",1.0,\n", Export(ExportFormat.Csv, document));
    }

    [Theory]
    [InlineData("=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"")]
    [InlineData("+1", "\"'+1\"")]
    [InlineData("-2+3", "\"'-2+3\"")]
    [InlineData("@SUM(A1)", "\"'@SUM(A1)\"")]
    [InlineData("\tcmd", "\"'\tcmd\"")]
    [InlineData("\rcmd", "\"'\rcmd\"")]
    [InlineData("-5", "\"'-5\"")]
    [InlineData("A plain answer = fine", "\"A plain answer = fine\"")]
    public void Csv_AnswerThatStartsLikeAFormula_IsShownAsText(string answer, string cell)
    {
        var document = ExportDocument.ForArtifact("b", [], [new ItemResult { File = "a.txt", Status = ItemResult.Success, Result = answer, ProcessingTime = 1 }]);

        // Not through Export: a CR in the answer is a CR in the cell.
        Assert.Equal($"file,status,result,processing_time,error\na.txt,success,{cell},1.0,\n", Encoding.UTF8.GetString(ExportFormats.ToBytes(ExportFormat.Csv, document)));
    }

    [Fact]
    public void Csv_FileAndErrorThatStartLikeAFormula_AreShownAsText()
    {
        var document = ExportDocument.ForArtifact("b", [], [new ItemResult { File = "=cmd|' /C calc'!A0.txt", Status = ItemResult.Failed, Error = "@bad" }]);

        Assert.Equal("file,status,result,processing_time,error\n\"'=cmd|' /C calc'!A0.txt\",failed,,0.0,\"'@bad\"\n", Export(ExportFormat.Csv, document));
    }

    [Fact]
    public void Markdown_MatchesTheSeedLayout()
    {
        Assert.Equal(
            "# Batch Processing Results\n" +
            "**Batch ID**: batch_2024-11-15_14-30-00  \n" +
            "**Date**: 2024-11-15 14:30:00  \n" +
            "**Total Files**: 3 (2 successful, 1 failed)\n" +
            "\n## Results\n" +
            "\n### ✅ document1.txt\nSummary content...\n" +
            "\n### ✅ document2.txt\nSummary content...\n" +
            "\n### ❌ document3.txt\nError: File too large\n",
            Export(ExportFormat.Markdown, Seed()));
    }

    [Fact]
    public void Json_MatchesTheSeedLayout()
    {
        Assert.Equal(
            """
            {
              "batch_id": "batch_2024-11-15_14-30-00",
              "parameters": {
                "prompt": "Summarize this document",
                "model": "llama3.2",
                "directory": "./documents"
              },
              "summary": {
                "total": 3,
                "successful": 2,
                "failed": 1,
                "processing_time": 4.1
              },
              "results": [
                {
                  "file": "document1.txt",
                  "status": "success",
                  "result": "Summary content...",
                  "processing_time": 2.3
                },
                {
                  "file": "document2.txt",
                  "status": "success",
                  "result": "Summary content...",
                  "processing_time": 1.8
                },
                {
                  "file": "document3.txt",
                  "status": "failed",
                  "processing_time": 0.0,
                  "error": "File too large"
                }
              ]
            }

            """.ReplaceLineEndings("\n"),
            Export(ExportFormat.Json, Seed()));
    }

    [Fact]
    public void ArtifactWithoutDate_HasNoRunSpecificLine()
    {
        var markdown = Export(ExportFormat.Markdown, Seed(withDate: false));

        Assert.DoesNotContain("**Date**", markdown, StringComparison.Ordinal);
        Assert.Equal(Export(ExportFormat.Markdown, Seed(withDate: false)), markdown);
    }

    [Fact]
    public void SkippedItems_AreCountedAndShown()
    {
        var document = ExportDocument.ForArtifact("b", [], [new ItemResult { File = "big.bin", Status = ItemResult.Skipped, Error = "File too large" }]);

        Assert.Contains("**Total Files**: 1 (0 successful, 0 failed, 1 skipped)", Export(ExportFormat.Markdown, document), StringComparison.Ordinal);
        Assert.Contains("\"skipped\": 1", Export(ExportFormat.Json, document), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("json", ExportFormat.Json)]
    [InlineData("CSV", ExportFormat.Csv)]
    [InlineData("markdown", ExportFormat.Markdown)]
    [InlineData("md", ExportFormat.Markdown)]
    public void FormatNames_Parse(string name, ExportFormat format) => Assert.Equal(format, ExportFormats.Parse(name));

    [Fact]
    public void UnknownFormatName_IsNull() => Assert.Null(ExportFormats.Parse("xml"));
}
