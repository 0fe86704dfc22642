using System.Text.Json.Nodes;
using Gleitzeit.Batch.Configuration;
using Gleitzeit.Batch.Discovery;
using Gleitzeit.Batch.Inputs;

namespace Gleitzeit.Batch.Planning;

/// <summary>
/// Builds batch plans the one way the CLI, builds and workflows share: discovery with the settings' size and date
/// limits, the model a template uses (its own, else the vision or text default), and the parameters exports show.
/// </summary>
public sealed class PlanBuilder(BatchSettings settings)
{
    /// <summary>The settings plans are built with.</summary>
    public BatchSettings Settings => settings;

    /// <summary>The model for a template: the one named, else the configured vision or text model.</summary>
    public string ModelFor(bool vision, string? model = null) =>
        string.IsNullOrWhiteSpace(model) ? vision ? settings.VisionModel : settings.Model : model.Trim();

    /// <summary>A template of an optional system message and the prompt.</summary>
    public PromptTemplate Template(string prompt, string? systemPrompt, bool vision, string? model = null, JsonObject? options = null, JsonNode? format = null, bool? splitLongDocuments = null, Review.ReviewSpec? review = null) =>
        Template(PromptMessage.FromPrompt(prompt, string.IsNullOrEmpty(systemPrompt) ? null : systemPrompt), vision, model, options, format, splitLongDocuments, review);

    /// <summary>A template of the given messages; its answers are reviewed by <paramref name="review"/>, else by the settings' checks and judge.</summary>
    public PromptTemplate Template(IReadOnlyList<PromptMessage> messages, bool vision, string? model = null, JsonObject? options = null, JsonNode? format = null, bool? splitLongDocuments = null, Review.ReviewSpec? review = null) => new()
    {
        Review = review ?? settings.Review,
        SplitLongDocuments = splitLongDocuments,
        Messages = messages,
        Model = ModelFor(vision, model),
        Vision = vision,
        Options = options is { Count: > 0 } ? options : null,
        Format = format,
    };

    /// <summary>The files a request covers, with the settings' size limit and date filter applied.</summary>
    /// <exception cref="DirectoryNotFoundException">The scanned directory does not exist.</exception>
    public DiscoveryResult Discover(DiscoveryRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var found = FileDiscovery.Discover(request with
        {
            MaxFileSize = settings.MaxFileSize,
            MaxFileSizeSetting = settings.Spell(Contract.Settings.MaxFileSize),
            ModifiedSince = request.ModifiedSince ?? settings.ModifiedSince,
        });
        return WrittenByRun is { } written && found.Any(f => written(f.FullPath))
            ? new DiscoveryResult([.. found.Where(f => !written(f.FullPath))], found.Warnings)
            : found;
    }

    /// <summary>Files the run itself writes (a build's artifacts, OutputFiles, records, cache): discovery never returns them.</summary>
    public Func<string, bool>? WrittenByRun { get; set; }

    /// <summary>A plan where every file uses one template; <paramref name="parameters"/> are what exports show after the prompt.</summary>
    public static BatchPlan ForFiles(string root, IReadOnlyList<DiscoveredFile> files, PromptTemplate template, JsonObject parameters, BatchSource source, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(parameters);
        if (!parameters.ContainsKey("model"))
        {
            parameters["model"] = template.Model;
        }

        return BatchPlan.ForFiles(root, files, template, parameters, source, name);
    }
}
