using System.Text.Json.Nodes;
using Gleitzeit.Batch.Planning;
using Gleitzeit.Batch.Providers;
using Gleitzeit.Batch.Results;
using Gleitzeit.Batch.Serialization;

namespace Gleitzeit.Batch.Export;

/// <summary>
/// What produced an artifact, for the reviewer: each prompt with its system message, model (and the digest of the
/// weights that answered), options and format, and the models with their digests (which the next run reads back to
/// compute keys with no cache and no server). Nothing run-specific: the same inputs give the same provenance.
/// </summary>
public sealed record Provenance(IReadOnlyList<ProvenanceTemplate> Templates, IReadOnlyList<ProvenanceModel> Models)
{
    /// <summary>The extractors that made the documents' text (<c>pdfpig/0.1.16+1</c>…), sorted; empty when only text files were sent.</summary>
    public IReadOnlyList<string> Extractors { get; init; } = [];

    /// <summary>The provenance of batches and their results.</summary>
    public static Provenance From(IEnumerable<(BatchPlan Plan, IReadOnlyList<ItemResult> Results)> batches)
    {
        ArgumentNullException.ThrowIfNull(batches);
        var templates = new List<ProvenanceTemplate>();
        var models = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var extractors = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (plan, results) in batches)
        {
            extractors.UnionWith(results.Select(r => r.Extractor).OfType<string>());
            foreach (var checks in results.Select(r => r.Checks).OfType<Review.ItemChecks>())
            {
                // The judge's weights: a fresh clone keys verdicts with them, as it keys answers with the answering model's.
                if (checks is { JudgeModel: { } judge, JudgeDigest: { } judgeDigest })
                {
                    models.TryAdd(judge, judgeDigest);
                }
            }

            var byFile = results.ToDictionary(r => r.File, StringComparer.Ordinal);
            for (var index = 0; index < plan.Templates.Count; index++)
            {
                var items = plan.Items.Where(i => i.Template == index).OrderBy(i => i.File, StringComparer.Ordinal).ToList();
                if (items.Count == 0)
                {
                    continue;
                }

                var template = plan.Templates[index];
                var digest = items.Select(i => byFile.GetValueOrDefault(i.File)?.ModelDigest).FirstOrDefault(d => d is not null);
                // A model given as a URL is named by its file name: no server address in a committed file.
                var model = ModelNames.Display(template.Model);
                if (digest is not null)
                {
                    models.TryAdd(model, digest);
                }

                templates.Add(new ProvenanceTemplate(
                    template.Prompt,
                    template.Messages.FirstOrDefault(m => m.Role == "system")?.Content,
                    model,
                    digest,
                    template.Options is { Count: > 0 } options ? CanonicalJson.Normalize(options) as JsonObject : null,
                    template.Format?.DeepClone(),
                    items.Count)
                {
                    Review = template.Review,
                });
            }
        }

        return new Provenance(templates, [.. models.Select(m => new ProvenanceModel(m.Key, m.Value))]) { Extractors = [.. extractors] };
    }

    /// <summary>A digest as a reviewer reads it: its first 12 hex characters.</summary>
    public static string Short(string digest)
    {
        ArgumentNullException.ThrowIfNull(digest);
        var hex = digest.Contains(':', StringComparison.Ordinal) ? digest[(digest.IndexOf(':', StringComparison.Ordinal) + 1)..] : digest;
        return hex.Length > 12 ? hex[..12] : hex;
    }
}

/// <summary>One prompt of an artifact.</summary>
/// <param name="Prompt">The last user message (the template's prompt).</param>
/// <param name="System">The system message, if any.</param>
/// <param name="Model">The model as the prompt names it (a URL by its file name).</param>
/// <param name="ModelDigest">The digest of the weights that answered, where the provider has one.</param>
/// <param name="Options">Generation options, in canonical order.</param>
/// <param name="Format"><c>json</c>, a JSON schema, or null.</param>
/// <param name="Items">How many items it asked.</param>
public sealed record ProvenanceTemplate(string Prompt, string? System, string Model, string? ModelDigest, JsonObject? Options, JsonNode? Format, int Items)
{
    /// <summary>The checks and the judge (model and rubric) its answers were reviewed by; null when none.</summary>
    public Review.ReviewSpec? Review { get; init; }
}

/// <summary>A model and the digest of its weights.</summary>
public sealed record ProvenanceModel(string Model, string Digest);
