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
            if (document.Provenance is { } provenance)
            {
                WriteProvenance(writer, provenance);
            }
            writer.WriteStartObject("summary");
            writer.WriteNumber("total", document.Results.Count);
            writer.WriteNumber("successful", document.Successful);
            writer.WriteNumber("failed", document.Failed);
            if (document.Skipped > 0)
            {
                writer.WriteNumber("skipped", document.Skipped);
            }

            if (document.Results.Count(r => r.Status == Results.ItemResult.Submitted) is var submitted and > 0)
            {
                writer.WriteNumber("submitted", submitted);
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

                if (result.Checks is { } checks)
                {
                    WriteChecks(writer, checks);
                }

                if (document.Provenance is not null)
                {
                    WriteLock(writer, result);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        output.WriteByte((byte)'\n');
    }

    // What the next run needs to serve this answer again: its key, and the model and weights that gave it.
    private static void WriteLock(Utf8JsonWriter writer, Results.ItemResult result)
    {
        if (result.Model is not null)
        {
            writer.WriteString(Caching.ArtifactAnswers.ModelField, result.Model);
        }

        if (result.ModelDigest is not null)
        {
            writer.WriteString(Caching.ArtifactAnswers.DigestField, result.ModelDigest);
        }

        if (result.Tokens is { } tokens)
        {
            writer.WriteStartObject("tokens");
            writer.WriteNumber("prompt", tokens.Prompt);
            writer.WriteNumber("completion", tokens.Completion);
            writer.WriteEndObject();
        }

        if (result.Status == Results.ItemResult.Success && result.CacheKey is not null)
        {
            writer.WriteString(Caching.ArtifactAnswers.KeyField, result.CacheKey);
        }

        if (result.OutputFile is not null)
        {
            writer.WriteString(Caching.ArtifactAnswers.OutputFileField, result.OutputFile);
        }

        if (result.Extractor is not null)
        {
            writer.WriteString(Caching.ArtifactAnswers.ExtractorField, result.Extractor);
        }

        if (result.Parts is { } parts)
        {
            writer.WriteNumber(Caching.ArtifactAnswers.PartsField, parts);
        }
    }

    // What the prompt's answers were checked by: the reviewer sees the judge model and its rubric beside the prompt.
    private static void WriteReview(Utf8JsonWriter writer, Review.ReviewSpec review, string model)
    {
        writer.WriteStartObject(Caching.ArtifactAnswers.ChecksField);
        void Number(string name, long? value)
        {
            if (value is { } number)
            {
                writer.WriteNumber(name, number);
            }
        }

        void Text(string name, string? value)
        {
            if (value is not null)
            {
                writer.WriteString(name, value);
            }
        }

        Number(Contract.Settings.MaxWords.Key, review.MaxWords);
        Number(Contract.Settings.MinWords.Key, review.MinWords);
        Number(Contract.Settings.MaxChars.Key, review.MaxChars);
        Number(Contract.Settings.MinChars.Key, review.MinChars);
        Text(Contract.Settings.MustMatch.Key, review.MustMatch);
        Text(Contract.Settings.MustNotMatch.Key, review.MustNotMatch);
        if (review.RequireJson)
        {
            writer.WriteBoolean(Contract.Settings.RequireJson.Key, true);
        }

        Text(Contract.Settings.Judge.Key, review.Judge);
        Text(Contract.Settings.JudgeModel.Key, review.Judge is null ? null : Providers.ModelNames.Display(review.JudgeModel ?? model));
        if (review.MinScore is { } minScore)
        {
            writer.WritePropertyName(Contract.Settings.MinScore.Key);
            writer.WriteRawValue(minScore.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture), skipInputValidation: true);
        }

        writer.WriteEndObject();
    }

    private static void WriteChecks(Utf8JsonWriter writer, Review.ItemChecks checks)
    {
        writer.WriteStartObject(Caching.ArtifactAnswers.ChecksField);
        writer.WriteBoolean("pass", checks.Pass);
        if (checks.Failed is { Count: > 0 } failed)
        {
            writer.WriteStartArray("failed");
            foreach (var failure in failed)
            {
                writer.WriteStartObject();
                writer.WriteString("check", failure.Check);
                writer.WriteString("reason", failure.Reason);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        if (checks.Score is { } score)
        {
            writer.WritePropertyName("score");
            writer.WriteRawValue(score.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture), skipInputValidation: true);
        }

        if (checks.JudgePass is { } pass)
        {
            writer.WriteBoolean("judge_pass", pass);
        }

        if (checks.JudgeReason is not null)
        {
            writer.WriteString("judge_reason", checks.JudgeReason);
        }

        if (checks.JudgeError is not null)
        {
            writer.WriteString("judge_error", checks.JudgeError);
        }

        if (checks.JudgeModel is not null)
        {
            writer.WriteString("judge_model", checks.JudgeModel);
        }

        if (checks.JudgeKey is not null)
        {
            writer.WriteString("judge_key", checks.JudgeKey);
        }

        if (checks is { JudgeKey: { } key, Score: { } sealedScore, JudgePass: { } sealedPass, JudgeReason: { } sealedReason })
        {
            writer.WriteString("judge_seal", new Review.JudgeVerdict(sealedScore, sealedPass, sealedReason).Seal(key));
        }

        writer.WriteEndObject();
    }

    private static void WriteProvenance(Utf8JsonWriter writer, Provenance provenance)
    {
        writer.WriteStartObject(Caching.ArtifactAnswers.ProvenanceField);
        writer.WriteStartArray("prompts");
        foreach (var template in provenance.Templates)
        {
            writer.WriteStartObject();
            writer.WriteString("prompt", template.Prompt);
            if (template.System is not null)
            {
                writer.WriteString("system", template.System);
            }

            writer.WriteString("model", template.Model);
            if (template.ModelDigest is not null)
            {
                writer.WriteString("model_digest", template.ModelDigest);
            }

            if (template.Options is not null)
            {
                writer.WritePropertyName("options");
                template.Options.WriteTo(writer);
            }

            if (template.Format is not null)
            {
                writer.WritePropertyName("format");
                template.Format.WriteTo(writer);
            }

            if (template.Review is { } review)
            {
                WriteReview(writer, review, template.Model);
            }

            writer.WriteNumber("items", template.Items);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartArray(Caching.ArtifactAnswers.ModelsField);
        foreach (var model in provenance.Models)
        {
            writer.WriteStartObject();
            writer.WriteString("model", model.Model);
            writer.WriteString("digest", model.Digest);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        if (provenance.Extractors.Count > 0)
        {
            writer.WriteStartArray("extractors");
            foreach (var extractor in provenance.Extractors)
            {
                writer.WriteStringValue(extractor);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    private static void WriteSeconds(Utf8JsonWriter writer, string name, double seconds)
    {
        writer.WritePropertyName(name);
        writer.WriteRawValue(ExportDocument.Seconds(seconds), skipInputValidation: true);
    }
}
