using System.CommandLine;
using Gleitzeit.Batch;
using Gleitzeit.Batch.Execution;
using Gleitzeit.Batch.Results;
using Gleitzeit.Batch.Workflows;
using Gleitzeit.Cli.Rendering;

namespace Gleitzeit.Cli.Commands;

/// <summary><c>gleitzeit run &lt;workflow.yaml&gt;</c>: run a workflow's llm/chat and llm/vision tasks in dependency order.</summary>
internal sealed class RunCommand(CliContext context)
{
    private readonly SettingsOptions _settings = new(SettingsOptions.Running);

    public Command Build()
    {
        var file = new Argument<string>("workflow") { Description = "Workflow YAML (tasks: form or type: batch form)" };
        var command = new Command("run", "Run a workflow YAML file");
        command.Arguments.Add(file);
        _settings.AddTo(command);
        command.SetAction((parse, cancellation) => CliErrors.Guard(context, () => RunAsync(parse, context.Resolve(parse.GetValue(file)!), cancellation)));
        return command;
    }

    private async Task<int> RunAsync(ParseResult parse, string file, CancellationToken cancellation)
    {
        var settings = _settings.Resolve(parse, context);
        _settings.CheckReview(parse, settings);
        RunPresenter.BulkOnly(settings);
        var workflow = WorkflowParser.Parse(file);
        var renderer = ProgressRenderers.For(context);
        using var engine = new GleitzeitEngine(settings, renderer);
        var outcome = await renderer.RunAsync($"Workflow {workflow.Name}: {workflow.Tasks.Count} task(s)", () => engine.RunWorkflowAsync(workflow, cancellation));
        var store = engine.Results;

        if (context.Chatty)
        {
            context.Out.WriteLine();
        }

        var exit = ExitCodes.Success;
        foreach (var task in outcome.Tasks)
        {
            if (task.Batch is null)
            {
                context.Out.WriteLine($"task {task.Task.Name}: {task.Error}");
                exit = Math.Max(exit, ExitCodes.ItemsFailed);
                continue;
            }

            var record = task.Batch.Record;
            context.Out.WriteLine($"task {task.Task.Name}: batch {record.BatchId}, {record.Successful}/{record.TotalFiles} ok ({record.Cached} from cache), {record.Failed} failed, {record.Skipped} skipped");
            if (record.Status == BatchStatus.Aborted)
            {
                context.Error.WriteLine($"gleitzeit: error {record.ErrorCode}: {record.Error}");
                exit = ExitCodes.UsageOrConfiguration;
            }
            else if (record.Status == BatchStatus.Cancelled)
            {
                exit = Math.Max(exit, ExitCodes.Cancelled);
            }
            else if (!task.Succeeded)
            {
                exit = Math.Max(exit, ExitCodes.ItemsFailed);
                context.Error.WriteLine($"  run `gleitzeit batch-resume {record.BatchId}` to retry its failed items");
            }

            if (BatchSummary.PrintFindings(context, record, settings).Any(f => f.IsError))
            {
                exit = Math.Max(exit, ExitCodes.ItemsFailed);
            }

            if (record.TotalFiles == 1 && record.Results.Values.FirstOrDefault() is { Status: ItemResult.Success } only && record.Plan.Items[0].FullPath is null)
            {
                context.Out.WriteLine(only.Result);
            }
        }

        if (context.Chatty)
        {
            context.Out.WriteLine($"Results saved to {store.Directory}");
        }

        JobSummaryOutput.Append(context, $"gleitzeit run {Path.GetFileName(file)}", outcome.Tasks.Where(t => t.Batch is not null).Select(t => BatchReport.Of(t.Task.Id, t.Batch!)));
        return exit;
    }
}
