using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Gleitzeit.Batch.Documents;
using Gleitzeit.Batch.Inputs;

namespace Gleitzeit.Cli.Commands;

/// <summary><c>gleitzeit extract FILE [--json]</c>: prints what the model receives from one file.</summary>
internal sealed class ExtractCommand(CliContext context)
{
    public Command Build()
    {
        var file = new Argument<string>("file") { Description = "A PDF, Word, PowerPoint, Excel, HTML or text file" };
        var json = new Option<bool>("--json") { Description = "Print the text, the extractor, the page count, the blocks and any warnings as JSON" };
        var settingsOptions = new SettingsOptions(Settings.MaxFileSize);
        var command = new Command("extract", "Print the text the model receives from one file (documents as Markdown)");
        command.Arguments.Add(file);
        command.Options.Add(json);
        settingsOptions.AddTo(command);
        command.SetAction((parse, cancellationToken) => CliErrors.Guard(context, () =>
        {
            var settings = settingsOptions.Resolve(parse, context);
            var path = context.Resolve(parse.GetValue(file)!);
            try
            {
                var bytes = Read(path, settings.MaxFileSize);
                var document = DocumentExtractors.Extract(bytes, Path.GetFileName(path), cancellationToken: cancellationToken);
                var text = document?.Text ?? InputLoader.LoadText(bytes).Text ?? string.Empty;
                if (parse.GetValue(json))
                {
                    context.Out.WriteLine(Json(path, text, document));
                }
                else
                {
                    context.Out.Write(text);
                    context.Error.WriteLine(document is null
                        ? $"{path}: plain text, sent as it is"
                        : string.Create(CultureInfo.InvariantCulture, $"{path}: {document.Kind.ToString().ToUpperInvariant()}, {document.PageCount} {document.PageUnit}{(document.PageCount == 1 ? string.Empty : "s")}, {text.Length:N0} characters, by {document.Extractor}"));
                    foreach (var warning in document?.Warnings ?? [])
                    {
                        context.Error.WriteLine($"{path}: warning: {warning}");
                    }
                }

                return Task.FromResult(ExitCodes.Success);
            }
            catch (DocumentException ex)
            {
                return Task.FromResult(Fail(path, ex.Code, ex.Message));
            }
            catch (InvalidInputException ex)
            {
                return Task.FromResult(Fail(path, ex.Code, ex.Message));
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
            {
                return Task.FromResult(Fail(path, DiagnosticCodes.FileNotFound, ex.Message));
            }
        }));
        return command;
    }

    private static byte[] Read(string path, long maxBytes)
    {
        var length = new FileInfo(path).Length;
        if (length > maxBytes)
        {
            throw new InvalidInputException(
                string.Create(CultureInfo.InvariantCulture, $"File too large: {length} bytes is over the {maxBytes}-byte limit (raise --max-size to include it)"),
                DiagnosticCodes.FileTooLarge);
        }

        return File.ReadAllBytes(path);
    }

    private int Fail(string path, string code, string message)
    {
        context.Error.WriteLine(Diagnostic.Error(code, path, message).ToString());
        return ExitCodes.ItemsFailed;
    }

    private static string Json(string path, string text, ExtractedDocument? document)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("file", path);
            json.WriteString("kind", document?.Kind.ToString().ToLowerInvariant() ?? "text");
            json.WriteString("extractor", document?.Extractor);
            json.WriteNumber("pages", document?.PageCount ?? 1);
            json.WriteString("page_unit", document?.PageUnit ?? "page");
            json.WriteNumber("characters", text.Length);
            json.WriteString("text", text);
            json.WriteStartArray("blocks");
            foreach (var block in document?.Blocks ?? [])
            {
                json.WriteStartObject();
                json.WriteString("kind", block.Kind.ToString().ToLowerInvariant());
                json.WriteNumber("level", block.Level);
                json.WriteNumber("page", block.Page);
                json.WriteNumber("start", block.Start);
                json.WriteNumber("length", block.Length);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("warnings");
            foreach (var warning in document?.Warnings ?? [])
            {
                json.WriteStringValue(warning);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
