using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Gleitzeit.Batch.Export;

/// <summary>
/// The Markdown layout: <c># Batch Processing Results</c>, a header block, then a ✅/❌ section per file. What a
/// rendered pull request shows is what the items say: names literally, each answer inside its own section.
/// </summary>
public static class MarkdownExporter
{
    public static void Write(ExportDocument document, Stream output)
    {
        ArgumentNullException.ThrowIfNull(document);
        var text = new StringBuilder();
        text.Append("# Batch Processing Results\n");
        text.Append("**Batch ID**: ").Append(MarkdownText.Inline(document.BatchId)).Append("  \n");
        if (document.Date is { } date)
        {
            text.Append("**Date**: ").Append(date.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)).Append("  \n");
        }

        if (document.Provenance is { } provenance)
        {
            WriteProvenance(text, provenance);
        }

        text.Append(CultureInfo.InvariantCulture, $"**Total Files**: {document.Results.Count} ({document.Successful} successful, {document.Failed} failed");
        if (document.Skipped > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $", {document.Skipped} skipped");
        }

        text.Append(')');
        if (document.Provenance is not null)
        {
            var (prompt, completion) = document.Tokens;
            text.Append(CultureInfo.InvariantCulture, $"  \n**Tokens**: {prompt} in, {completion} out");
        }

        text.Append("\n\n## Results\n");
        foreach (var result in document.Results)
        {
            text.Append('\n');
            switch (result.Status)
            {
                case Results.ItemResult.Success:
                    text.Append("### ✅ ").Append(MarkdownText.Inline(result.File)).Append('\n');
                    if (result.Parts is { } parts)
                    {
                        text.Append(CultureInfo.InvariantCulture, $"*Answered in {parts} parts, then combined.*\n\n");
                    }

                    text.Append(MarkdownText.Block(result.Result ?? string.Empty)).Append('\n');
                    WriteChecks(text, result.Checks);
                    break;
                case Results.ItemResult.Submitted:
                    text.Append("### ⏳ ").Append(MarkdownText.Inline(result.File)).Append("\nSubmitted: ").Append(MarkdownText.Lines(result.Error ?? string.Empty)).Append('\n');
                    break;
                case Results.ItemResult.Skipped:
                    text.Append("### ⏭️ ").Append(MarkdownText.Inline(result.File)).Append("\nSkipped: ").Append(MarkdownText.Lines(result.Error ?? string.Empty)).Append('\n');
                    break;
                default:
                    text.Append("### ❌ ").Append(MarkdownText.Inline(result.File)).Append("\nError: ").Append(MarkdownText.Lines(result.Error ?? string.Empty)).Append('\n');
                    break;
            }
        }

        var bytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text.ToString());
        output.Write(bytes);
    }

    // A failed check stands beside its answer, so a reviewer reading the pull request sees what to fix; a pass is quiet.
    private static void WriteChecks(StringBuilder text, Review.ItemChecks? checks)
    {
        if (checks is null || checks.Pass)
        {
            return;
        }

        text.Append('\n');
        foreach (var failure in checks.Failed ?? [])
        {
            text.Append("> ⚠️ **Check failed** (").Append(MarkdownText.Inline(failure.Check)).Append("): ").Append(OneLine(failure.Reason)).Append("  \n");
        }

        if (checks.JudgeError is { } error)
        {
            text.Append("> ⚠️ **Not judged**: ").Append(OneLine(error)).Append("  \n");
        }
    }

    // Each prompt as a reviewer needs it: what was asked, of which weights, with which options.
    private static void WriteProvenance(StringBuilder text, Provenance provenance)
    {
        foreach (var template in provenance.Templates)
        {
            text.Append("**Prompt**: ").Append(OneLine(template.Prompt)).Append("  \n");
            if (template.System is not null)
            {
                text.Append("**System**: ").Append(OneLine(template.System)).Append("  \n");
            }

            text.Append("**Model**: ").Append(OneLine(template.Model));
            if (template.ModelDigest is not null)
            {
                text.Append(" (").Append(Provenance.Short(template.ModelDigest)).Append(')');
            }

            text.Append("  \n");
            if (template.Options is { Count: > 0 } options)
            {
                text.Append("**Options**: ").Append(OneLine(string.Join(", ", options.Select(o => $"{o.Key}={o.Value?.ToJsonString()}")))).Append("  \n");
            }

            if (template.Format is not null)
            {
                text.Append("**Format**: ").Append(template.Format is JsonValue ? OneLine(template.Format.ToString()) : "JSON schema").Append("  \n");
            }

            if (template.Review is { } review)
            {
                text.Append("**Checks**: ").Append(OneLine(Describe(review, template.Model))).Append("  \n");
            }

            if (provenance.Templates.Count > 1)
            {
                text.Append(CultureInfo.InvariantCulture, $"**Items**: {template.Items}  \n");
            }
        }
    }

    private static string Describe(Review.ReviewSpec review, string model)
    {
        var parts = new List<string>();
        void Add(string name, object? value)
        {
            if (value is not null)
            {
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"{name} {value}"));
            }
        }

        Add(Contract.Settings.MaxWords.Key, review.MaxWords);
        Add(Contract.Settings.MinWords.Key, review.MinWords);
        Add(Contract.Settings.MaxChars.Key, review.MaxChars);
        Add(Contract.Settings.MinChars.Key, review.MinChars);
        Add(Contract.Settings.MustMatch.Key, review.MustMatch is null ? null : $"/{review.MustMatch}/");
        Add(Contract.Settings.MustNotMatch.Key, review.MustNotMatch is null ? null : $"/{review.MustNotMatch}/");
        if (review.RequireJson)
        {
            parts.Add(Contract.Settings.RequireJson.Key);
        }

        if (review.Judge is { } rubric)
        {
            parts.Add($"judge {Providers.ModelNames.Display(review.JudgeModel ?? model)}{(review.MinScore is { } min ? string.Create(CultureInfo.InvariantCulture, $" (min_score {min:0.##})") : string.Empty)}: \"{rubric}\"");
        }

        return string.Join("; ", parts);
    }

    // Provenance is the user's own text, shown as written: literally, and on its line.
    private static string OneLine(string text) => MarkdownText.Inline(text, visibleLineBreaks: false);
}
