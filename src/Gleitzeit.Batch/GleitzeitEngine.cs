using Gleitzeit.Batch.Builds;
using Gleitzeit.Batch.Caching;
using Gleitzeit.Batch.Configuration;
using Gleitzeit.Batch.Execution;
using Gleitzeit.Batch.Planning;
using Gleitzeit.Batch.Providers;
using Gleitzeit.Batch.Results;
using Gleitzeit.Batch.Workflows;

namespace Gleitzeit.Batch;

/// <summary>
/// The one way into the engine: opens the model server, the cache, the results directory and the digest memo once from
/// settings, and runs, resumes and previews batches, workflows and builds. Front ends (CLI commands, the build worker,
/// tests) construct this and nothing else of the engine's parts.
/// </summary>
public sealed class GleitzeitEngine : IDisposable
{
    private readonly IProgress<BatchProgressEvent>? _progress;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _warned = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly Lazy<IChatProvider> _provider;

    /// <param name="settings">The resolved settings.</param>
    /// <param name="progress">Hears every item's progress, retries and warnings.</param>
    /// <param name="time">The clock for delays and timestamps (tests pass their own).</param>
    /// <param name="provider">The model server; by default the one the settings name.</param>
    public GleitzeitEngine(BatchSettings settings, IProgress<BatchProgressEvent>? progress = null, TimeProvider? time = null, IChatProvider? provider = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Settings = settings;
        _progress = progress;
        _time = time ?? TimeProvider.System;
        _provider = new Lazy<IChatProvider>(() => provider ?? ChatProviders.Create(settings, _time));
        Results = new ResultStore(settings.ResultsDirectory);
        Cache = new CachePolicy(settings.CacheMode).Serves ? new CacheStore(settings.CacheDirectory, Warn) : null;
        Plans = new PlanBuilder(settings);
    }

    public BatchSettings Settings { get; }

    /// <summary>The batch records.</summary>
    public ResultStore Results { get; }

    /// <summary>The content-hash cache; null with <c>cache_mode: Off</c>.</summary>
    public CacheStore? Cache { get; }

    /// <summary>Builds plans (discovery, model choice, parameters) for these settings.</summary>
    public PlanBuilder Plans { get; }

    /// <summary>The model server's address as records and messages show it (secrets masked).</summary>
    public string Endpoint => Provider.Endpoint;

    private IChatProvider Provider => _provider.Value;

    /// <summary>Runs every item of <paramref name="plan"/> as a new batch.</summary>
    public Task<BatchOutcome> RunAsync(BatchPlan plan, CancellationToken cancellationToken = default) =>
        Executor().RunAsync(plan, null, cancellationToken);

    /// <summary>Runs every item of <paramref name="plan"/> as a new batch, with what <paramref name="options"/> adds (the committed artifact).</summary>
    public Task<BatchOutcome> RunAsync(BatchPlan plan, RunOptions? options, CancellationToken cancellationToken = default) =>
        Executor().RunAsync(plan, options, cancellationToken);

    /// <summary>The committed JSON artifact at <paramref name="path"/> as a cache tier, and what was wrong with it (missing, conflicted, unreadable) for the caller to report.</summary>
    public ArtifactRead ReadArtifact(string path) => ArtifactAnswers.Read(path, model => ChatProviders.NormalizeModel(Settings, model));

    /// <summary>Runs again only the failed, skipped and unfinished items of a recorded batch.</summary>
    /// <exception cref="KeyNotFoundException">There is no such batch.</exception>
    /// <exception cref="BatchBusyException">Another process runs it.</exception>
    public Task<BatchOutcome> ResumeAsync(string batchId, CancellationToken cancellationToken = default) =>
        Executor().ResumeAsync(batchId, cancellationToken);

    /// <summary>What a run would do, without contacting the server.</summary>
    public Task<IReadOnlyList<ItemPreview>> PreviewAsync(BatchPlan plan, CancellationToken cancellationToken = default) =>
        BatchPreview.PreviewAsync(plan, Settings, Cache, cancellationToken);

    /// <summary>What the model receives for one item of <paramref name="plan"/> (a document's extracted text); nothing is sent.</summary>
    /// <exception cref="Inputs.InvalidInputException">The item's file cannot be sent.</exception>
    public IReadOnlyList<Inputs.ComposedMessage> InputOf(BatchPlan plan, string file, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var item = plan.Items.First(i => string.Equals(i.File, file, StringComparison.Ordinal));
        var work = new ItemWork { Item = item, Template = plan.Templates[item.Template] };
        return ItemKeying.Compose(work, Settings, cancellationToken).Messages;
    }

    /// <summary>Runs a workflow's tasks in dependency order.</summary>
    public Task<WorkflowOutcome> RunWorkflowAsync(WorkflowDefinition workflow, CancellationToken cancellationToken = default) =>
        RunWorkflowAsync(workflow, null, cancellationToken);

    /// <summary>Runs a workflow's tasks in dependency order, each with what <paramref name="options"/> adds.</summary>
    public Task<WorkflowOutcome> RunWorkflowAsync(WorkflowDefinition workflow, RunOptions? options, CancellationToken cancellationToken = default) =>
        new WorkflowRunner(Plans, (plan, token) => RunAsync(plan, options, token)).RunAsync(workflow, cancellationToken);

    /// <summary>Runs a build's batches and workflows and writes its artifacts (or, verifying, compares them).</summary>
    public Task<BuildOutcome> BuildAsync(BuildManifest manifest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        Plans.WrittenByRun = BuildOutputs.Predicate(manifest, Settings);
        return new BuildRunner(manifest, Settings, RunAsync, RunWorkflowAsync, ReadArtifact).RunAsync(cancellationToken);
    }

    public void Dispose()
    {
        if (_provider.IsValueCreated)
        {
            _provider.Value.Dispose();
        }
    }

    private BatchExecutor Executor() => new(Provider, Settings, Results, Cache, _progress, _time);

    // The same entry may be read more than once in a run (keying, then serving): one warning each.
    private void Warn(string message)
    {
        if (_warned.TryAdd(message, 0))
        {
            _progress?.Report(new BatchProgressEvent { Kind = BatchEventKind.Warning, Message = message });
        }
    }
}
