using CsvHelper;

namespace Gleitzeit.Batch.Export;

/// <summary>
/// The CSV layout: <c>file,status,result,processing_time,error</c>, results always quoted, and no cell a spreadsheet
/// would run as a formula. When a long document was answered in parts (<c>long_documents: split</c>), a sixth column
/// <c>parts</c> says how many; the first five stay the seed layout's, so a reader by position is unaffected.
/// </summary>
public static class CsvExporter
{
    private static readonly CsvWriterOptions Options = new()
    {
        NewLine = "\n",
        WriteByteOrderMark = false,

        // OWASP's CSV Injection advice: a text cell starting with = + - @, tab or CR gets a leading ' (and is quoted), so
        // Excel or LibreOffice shows it as text instead of running it. That includes an answer that is a negative number
        // ("-2"): OWASP recommends it, a spreadsheet still reads it, and the JSON artifact keeps the raw answer.
        Injection = CsvInjection.Escape,
    };

    public static void Write(ExportDocument document, Stream output)
    {
        ArgumentNullException.ThrowIfNull(document);
        using var csv = CsvWriter.Create(output, Options, leaveOpen: true);
        var withParts = document.Results.Any(r => r.Parts is not null);
        csv.WriteHeader(withParts ? ["file", "status", "result", "processing_time", "error", "parts"] : ["file", "status", "result", "processing_time", "error"]);
        foreach (var result in document.Results)
        {
            csv.WriteField(result.File);
            csv.WriteField(result.Status);
            if (string.IsNullOrEmpty(result.Result))
            {
                csv.WriteField(string.Empty);
            }
            else
            {
                csv.WriteField(result.Result, CsvQuoting.Always);
            }

            csv.WriteField(ExportDocument.Seconds(result.ProcessingTime));
            csv.WriteField(result.Error ?? string.Empty);
            if (withParts)
            {
                csv.WriteField(result.Parts?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty);
            }

            csv.EndRecord();
        }
    }
}
