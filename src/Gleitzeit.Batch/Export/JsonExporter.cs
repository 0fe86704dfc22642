using System.Text.Encodings.Web;
using System.Text.Json;

namespace Gleitzeit.Batch.Export;

/// <summary>The JSON layout: <c>batch_id</c>, <c>parameters</c>, <c>summary</c>, <c>results</c>.</summary>
public static class JsonExporter
{
    private static readonly JsonWriterOptions Options = new()
    {
        Indented = true,
        NewLine = "\n",
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void Write(ExportDocument document, Stream output)
    {
        ArgumentNullException.ThrowIfNull(document);
        using (var writer = new Utf8JsonWriter(output, Options))
        {
            writer.WriteStartObject();
            writer.WriteString("batch_id", document.BatchId);
            writer.WritePropertyName("parameters");
            document.Parameters.WriteTo(writer);
            writer.WriteStartObject("summary");
            writer.WriteNumber("total", document.Results.Count);
            writer.WriteNumber("successful", document.Successful);
            writer.WriteNumber("failed", document.Failed);
            if (document.Skipped > 0)
            {
                writer.WriteNumber("skipped", document.Skipped);
            }

            WriteSeconds(writer, "processing_time", document.ProcessingTime);
            writer.WriteEndObject();
            writer.WriteStartArray("results");
            foreach (var result in document.Results)
            {
                writer.WriteStartObject();
                writer.WriteString("file", result.File);
                writer.WriteString("status", result.Status);
                if (result.Result is not null)
                {
                    writer.WriteString("result", result.Result);
                }

                WriteSeconds(writer, "processing_time", result.ProcessingTime);
                if (result.Error is not null)
                {
                    writer.WriteString("error", result.Error);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        output.WriteByte((byte)'\n');
    }

    private static void WriteSeconds(Utf8JsonWriter writer, string name, double seconds)
    {
        writer.WritePropertyName(name);
        writer.WriteRawValue(ExportDocument.Seconds(seconds), skipInputValidation: true);
    }
}
