using System.Globalization;
using System.Text;

namespace Gleitzeit.Batch.Export;

/// <summary>The Markdown layout: <c># Batch Processing Results</c>, a header block, then a ✅/❌ section per file.</summary>
public static class MarkdownExporter
{
    public static void Write(ExportDocument document, Stream output)
    {
        ArgumentNullException.ThrowIfNull(document);
        var text = new StringBuilder();
        text.Append("# Batch Processing Results\n");
        text.Append("**Batch ID**: ").Append(document.BatchId).Append("  \n");
        if (document.Date is { } date)
        {
            text.Append("**Date**: ").Append(date.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)).Append("  \n");
        }

        text.Append(CultureInfo.InvariantCulture, $"**Total Files**: {document.Results.Count} ({document.Successful} successful, {document.Failed} failed");
        if (document.Skipped > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $", {document.Skipped} skipped");
        }

        text.Append(")\n\n## Results\n");
        foreach (var result in document.Results)
        {
            text.Append('\n');
            switch (result.Status)
            {
                case Results.ItemResult.Success:
                    text.Append("### ✅ ").Append(result.File).Append('\n').Append(Normalize(result.Result)).Append('\n');
                    break;
                case Results.ItemResult.Skipped:
                    text.Append("### ⏭️ ").Append(result.File).Append("\nSkipped: ").Append(Normalize(result.Error)).Append('\n');
                    break;
                default:
                    text.Append("### ❌ ").Append(result.File).Append("\nError: ").Append(Normalize(result.Error)).Append('\n');
                    break;
            }
        }

        var bytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text.ToString());
        output.Write(bytes);
    }

    private static string Normalize(string? text) => (text ?? string.Empty).Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n');
}
