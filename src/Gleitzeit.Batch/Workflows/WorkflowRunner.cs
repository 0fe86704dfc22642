using System.Text;
using System.Text.Json.Nodes;
using Gleitzeit.Batch.Discovery;
using Gleitzeit.Batch.Execution;
using Gleitzeit.Batch.Planning;
using Gleitzeit.Batch.Results;

namespace Gleitzeit.Batch.Workflows;

/// <summary>
/// Runs a workflow's tasks in dependency order, independent ones at once. Each task runs as a batch
/// (one item per file, or one item for a prompt alone); <c>${task.response}</c> references are
/// substituted with the referenced task's text before its dependants are composed.
/// </summary>
public sealed class WorkflowRunner(PlanBuilder plans, Func<BatchPlan, CancellationToken, Task<BatchOutcome>> runBatch)
{
    /// <summary>Runs every task; a task whose dependency did not fully succeed is not run.</summary>
    public async Task<WorkflowOutcome> RunAsync(WorkflowDefinition workflow, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        var texts = new Dictionary<string, string>(StringComparer.Ordinal);
        var results = new Dictionary<string, TaskOutcome>(StringComparer.Ordinal);
        var running = new Dictionary<Task<BatchOutcome>, WorkflowTask>();
        var pending = workflow.Tasks.ToList();
        while (pending.Count > 0 || running.Count > 0)
        {
            foreach (var task in pending.ToList())
            {
                if (task.Dependencies.Any(d => results.TryGetValue(d, out var r) && !r.Succeeded))
                {
                    var failed = task.Dependencies.First(d => results.TryGetValue(d, out var r) && !r.Succeeded);
                    results[task.Id] = new TaskOutcome(task, null, $"not run: dependency '{failed}' did not succeed");
                    pending.Remove(task);
                }
                else if (task.Dependencies.All(results.ContainsKey) && plans.Settings.Review is { RequireJson: true } && Review.AnswerChecks.SchemaProblem(task.Format) is { } schemaProblem)
                {
                    // require_json checks answers against the task's schema: a broken one is found before any call.
                    results[task.Id] = new TaskOutcome(task, null, $"has a JSON schema format that require_json cannot check answers against: {schemaProblem}");
                    pending.Remove(task);
                }
                else if (task.Dependencies.All(results.ContainsKey))
                {
                    pending.Remove(task);
                    var plan = BuildPlan(workflow, task, reference => Lookup(texts, workflow, reference));
                    running[runBatch(plan, cancellationToken)] = task;
                }
            }

            if (running.Count == 0)
            {
                continue;
            }

            var finished = await Task.WhenAny(running.Keys);
            var done = running[finished];
            running.Remove(finished);
            var outcome = await finished;
            results[done.Id] = new TaskOutcome(done, outcome, outcome.AllSucceeded ? null : outcome.Record.Error);
            if (outcome.AllSucceeded)
            {
                texts[done.Id] = TaskText(outcome.Record);
            }
        }

        return new WorkflowOutcome(workflow, [.. workflow.Tasks.Select(t => results[t.Id])]);
    }

    /// <summary>The batch plan of one task, with references already substituted.</summary>
    public BatchPlan BuildPlan(WorkflowDefinition workflow, WorkflowTask task, Func<string, string?> taskText)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        ArgumentNullException.ThrowIfNull(task);
        var messages = task.Messages.Select(m => m with { Content = WorkflowReferences.Substitute(m.Content, taskText) }).ToList();
        var template = plans.Template(messages, task.Vision, task.Model, task.Options, task.Format);
        var parameters = new JsonObject
        {
            ["model"] = template.Model,
            ["workflow"] = workflow.Name,
            ["task"] = task.Name,
        };

        if (!task.HasFiles)
        {
            return new BatchPlan
            {
                Name = $"{workflow.Name}/{task.Id}",
                Source = BatchSource.Workflow,
                Root = workflow.BaseDirectory,
                Parameters = parameters,
                Templates = [template],
                Items = [new BatchItem { File = task.Id }],
            };
        }

        var root = task.Directory is null ? workflow.BaseDirectory : Path.GetFullPath(Path.Combine(workflow.BaseDirectory, task.Directory));
        if (task.Directory is not null)
        {
            parameters["directory"] = task.Directory;
            parameters["pattern"] = task.Pattern;
        }

        var files = plans.Discover(new DiscoveryRequest
        {
            Root = root,
            Scan = task.Directory is not null,
            Patterns = [task.Pattern],
            Recursive = task.Recursive,
            Files = [.. task.Files.Select(f => Path.GetFullPath(Path.Combine(workflow.BaseDirectory, f)))],
        });
        return PlanBuilder.ForFiles(root, files, template, parameters, BatchSource.Workflow, $"{workflow.Name}/{task.Id}");
    }

    private static string? Lookup(Dictionary<string, string> texts, WorkflowDefinition workflow, string reference)
    {
        var task = workflow.Tasks.FirstOrDefault(t => t.Id == reference) ?? workflow.Tasks.FirstOrDefault(t => t.Name == reference);
        return task is not null && texts.TryGetValue(task.Id, out var text) ? text : null;
    }

    // A task over one item answers with that item's text; over several, with each file's answer under its name.
    private static string TaskText(BatchRecord record)
    {
        if (record.Results.Count == 1)
        {
            return record.Results.Values.First().Result ?? string.Empty;
        }

        var text = new StringBuilder();
        foreach (var result in record.Results.Values.Where(r => r.Status == ItemResult.Success))
        {
            if (text.Length > 0)
            {
                text.Append("\n\n");
            }

            text.Append(result.File).Append(":\n").Append(result.Result);
        }

        return text.ToString();
    }
}

/// <summary>How a workflow run ended, task by task in file order.</summary>
public sealed record WorkflowOutcome(WorkflowDefinition Workflow, IReadOnlyList<TaskOutcome> Tasks)
{
    public bool AllSucceeded => Tasks.All(t => t.Succeeded);
}

/// <summary>How one task ended; <see cref="Batch"/> is null when it was not run.</summary>
public sealed record TaskOutcome(WorkflowTask Task, BatchOutcome? Batch, string? Error)
{
    public bool Succeeded => Batch?.AllSucceeded == true;
}
