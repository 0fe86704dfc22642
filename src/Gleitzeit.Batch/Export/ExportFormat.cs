namespace Gleitzeit.Batch.Export;

/// <summary>The export formats: JSON, CSV and Markdown.</summary>
public enum ExportFormat
{
    Json,
    Csv,
    Markdown,
}

/// <summary>Names, file suffixes and writers of the export formats.</summary>
public static class ExportFormats
{
    /// <summary>Parses <c>json</c>, <c>csv</c>, <c>markdown</c> or <c>md</c>, case-insensitively.</summary>
    public static ExportFormat? Parse(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "json" => ExportFormat.Json,
        "csv" => ExportFormat.Csv,
        "markdown" or "md" => ExportFormat.Markdown,
        _ => null,
    };

    /// <summary>The format a file suffix implies (<c>.json</c>, <c>.csv</c>, <c>.md</c>/<c>.markdown</c>).</summary>
    public static ExportFormat? FromPath(string path) => Parse(Path.GetExtension(path).TrimStart('.'));

    /// <summary>The usual file suffix, with its dot.</summary>
    public static string Extension(ExportFormat format) => format switch
    {
        ExportFormat.Json => ".json",
        ExportFormat.Csv => ".csv",
        _ => ".md",
    };

    /// <summary>Writes <paramref name="document"/> in <paramref name="format"/> as UTF-8 without BOM, <c>\n</c> newlines.</summary>
    public static void Write(ExportFormat format, ExportDocument document, Stream output)
    {
        switch (format)
        {
            case ExportFormat.Json:
                JsonExporter.Write(document, output);
                break;
            case ExportFormat.Csv:
                CsvExporter.Write(document, output);
                break;
            default:
                MarkdownExporter.Write(document, output);
                break;
        }
    }

    /// <summary>The bytes of <paramref name="document"/> in <paramref name="format"/>.</summary>
    public static byte[] ToBytes(ExportFormat format, ExportDocument document)
    {
        using var buffer = new MemoryStream();
        Write(format, document, buffer);
        return buffer.ToArray();
    }
}
