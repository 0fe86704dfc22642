using System.CommandLine;
using System.Text.Json.Nodes;
using Gleitzeit.Batch;
using Gleitzeit.Batch.Configuration;
using Gleitzeit.Batch.Discovery;
using Gleitzeit.Batch.Execution;
using Gleitzeit.Batch.Planning;
using Gleitzeit.Batch.Providers;

namespace Gleitzeit.Cli.Commands;

/// <summary><c>gleitzeit batch &lt;directory&gt; | --files …</c>: run one prompt over many files.</summary>
internal sealed class BatchCommand
{
    private readonly Argument<string?> _directory = new("directory") { Description = "Directory to scan for files", Arity = ArgumentArity.ZeroOrOne };
    private readonly Option<string[]> _files = new("--files", "-f") { Description = "Explicit files instead of a directory", AllowMultipleArgumentsPerToken = true };
    private readonly Option<string[]> _pattern = new("--pattern", "-p") { Description = "Glob pattern(s) in the directory (default \"*\"; several with ';')" };
    private readonly PromptOptions _prompt = new("The prompt sent with each file");
    private readonly Option<string?> _system = new("--system") { Description = "A system message sent before each prompt" };
    private readonly Option<bool> _vision = new("--vision") { Description = "The files are images for a vision model" };
    private readonly Option<bool> _recursive = new("--recursive", "-r") { Description = "Match the pattern in subdirectories too" };
    private readonly Option<string[]> _exclude = new("--exclude") { Description = "Glob pattern(s) to leave out" };
    private readonly Option<string?> _output = new("--output", "-o") { Description = "Also write the results to this file (format from its suffix unless --format)" };
    private readonly Option<string?> _format = new("--format") { Description = "json, csv or markdown" };
    private readonly Option<bool> _dryRun = new("--dry-run") { Description = "List what would be sent and what is cached; contact no model" };
    private readonly Option<bool> _showInput = new("--show-input") { Description = "With --dry-run: print what the model receives for each item to send (a document's extracted text)" };
    private readonly SettingsOptions _settings = new([.. SettingsOptions.Running, Settings.ModifiedSince, Settings.Verify]);

    public Command Build(CliContext context)
    {
        var command = new Command("batch", "Run one prompt over the files of a directory, or over --files");
        command.Arguments.Add(_directory);
        foreach (var option in new Option[] { _files, _pattern, _system, _vision, _recursive, _exclude, _output, _format, _dryRun, _showInput })
        {
            command.Options.Add(option);
        }

        _prompt.AddTo(command);
        _settings.AddTo(command);
        command.SetAction((parse, cancellation) => CliErrors.Guard(context, () => RunAsync(parse, context, cancellation)));
        return command;
    }

    private async Task<int> RunAsync(ParseResult parse, CliContext context, CancellationToken cancellation)
    {
        var vision = parse.GetValue(_vision);
        var settings = _settings.Resolve(parse, context, vision);
        _settings.CheckReview(parse, settings);
        var prompt = _prompt.Resolve(parse, context);
        var plans = new PlanBuilder(settings);
        var directory = parse.GetValue(_directory);
        var files = parse.GetValue(_files) ?? [];
        if (directory is null && files.Length == 0)
        {
            // `--judge docs` reads the directory as the rubric: say so, or the hint would send the user looking elsewhere.
            var swallowed = _settings[Settings.Judge] is Option<string?> judge && parse.GetValue(judge) is { } rubric && Directory.Exists(context.Resolve(rubric))
                ? $" (--judge took '{rubric}' as its rubric: put --judge after the directory, or give the rubric in quotes)"
                : string.Empty;
            throw new CliException("give a directory (gleitzeit batch ./docs --pattern \"*.md\") or --files a.txt b.txt" + swallowed);
        }

        var patterns = parse.GetValue(_pattern) is { Length: > 0 } given ? given : [settings.DefaultPattern];
        var root = directory is null ? context.WorkingDirectory : context.Resolve(directory);
        DiscoveryResult discovered;
        try
        {
            discovered = plans.Discover(new DiscoveryRequest
            {
                Root = root,
                Scan = directory is not null,
                Patterns = patterns,
                Recursive = parse.GetValue(_recursive),
                Excludes = parse.GetValue(_exclude) ?? [],
                Files = [.. files.Select(context.Resolve)],
            });
        }
        catch (DirectoryNotFoundException)
        {
            throw new CliException($"directory not found: {root}; check the path", DiagnosticCodes.FileNotFound);
        }

        if (discovered.Count == 0)
        {
            throw new CliException($"no files in {root} match {string.Join(";", patterns)}{(parse.GetValue(_recursive) ? string.Empty : "; add --recursive to look in subdirectories")}, or choose another --pattern", DiagnosticCodes.FileNotFound);
        }

        if (files.Length > 0 && discovered.All(f => f.Problem?.Kind == FileProblemKind.NotFound))
        {
            throw new CliException($"none of the --files exist: {string.Join(", ", discovered.Select(f => Diagnostic.OneLine(f.RelativePath)))}", DiagnosticCodes.FileNotFound);
        }

        var system = parse.GetValue(_system);
        var template = plans.Template(prompt, system, vision);
        var parameters = new JsonObject { ["model"] = template.Model };
        if (directory is not null)
        {
            parameters["directory"] = directory;
            parameters["pattern"] = string.Join(";", patterns);
        }
        else
        {
            parameters["files"] = new JsonArray([.. files.Select(f => (JsonNode?)f)]);
        }

        if (system is not null)
        {
            parameters["system"] = system;
        }

        if (vision)
        {
            parameters["vision"] = true;
        }

        var plan = PlanBuilder.ForFiles(root, discovered, template, parameters, BatchSource.Cli);
        var output = parse.GetValue(_output);
        var format = RunPresenter.ResolveFormat(parse.GetValue(_format), output);

        if (parse.GetValue(_dryRun))
        {
            return await DryRunAsync(context, settings, plan, parse.GetValue(_showInput), cancellation);
        }

        var title = $"Batch Processing: {RunPresenter.Shorten(prompt)} ({discovered.Count} files, {template.Model})";
        return await RunPresenter.RunAsync(context, settings, title, (engine, options) => engine.RunAsync(plan, options, cancellation), format, output);
    }

    private static async Task<int> DryRunAsync(CliContext context, BatchSettings settings, BatchPlan plan, bool showInput, CancellationToken cancellation)
    {
        using var engine = new GleitzeitEngine(settings);
        foreach (var warning in plan.Warnings ?? [])
        {
            context.Error.WriteLine($"warning: {Diagnostic.OneLine(warning)}");
        }

        var previews = await engine.PreviewAsync(plan, cancellation);
        foreach (var preview in previews)
        {
            var action = preview.Action switch
            {
                PreviewAction.Cached => "cached",
                PreviewAction.Send => "send",
                PreviewAction.Skip => "skip",
                _ => "fail",
            };
            context.Out.WriteLine($"{action,-7} {Diagnostic.OneLine(preview.File)}{(preview.Detail is null ? string.Empty : $"  ({Diagnostic.OneLine(preview.Detail)})")}");
            if (showInput && preview.Action == PreviewAction.Send)
            {
                foreach (var message in engine.InputOf(plan, preview.File, cancellation))
                {
                    context.Out.WriteLine($"  --- {message.Role}{(message.Images.Count > 0 ? $" (+{message.Images.Count} image)" : string.Empty)} ---");
                    context.Out.WriteLine(message.Content);
                }

                context.Out.WriteLine("  ---");
            }
        }

        context.Out.WriteLine();
        var judged = previews.Count(p => p.Judge);
        var judges = plan.Templates.Any(t => t.Review?.Judge is not null) ? $", and {judged} judge call{(judged == 1 ? string.Empty : "s")} to {plan.Templates.Select(t => t.Review?.JudgeModel ?? t.Model).First()}" : string.Empty;
        context.Out.WriteLine($"{previews.Count} files: {previews.Count(p => p.Action == PreviewAction.Cached)} cached, {previews.Count(p => p.Action == PreviewAction.Send)} {Target(settings, plan.Templates[0].Model)}{judges}, {previews.Count(p => p.Action == PreviewAction.Skip)} skipped, {previews.Count(p => p.Action == PreviewAction.Fail)} failing. Dry run: no model was contacted.");
        return ExitCodes.Success;
    }

    private static string Target(BatchSettings settings, string model) => ProviderPresets.For(settings.Provider).InProcess
        ? $"to run here with the local model {ModelNames.Display(model)}"
        : settings.Bulk
        ? $"to submit to the Batch API of {Secrets.Redact(settings.Endpoint)} for {model} (or already waiting there)"
        : $"to send to {model} at {Secrets.Redact(settings.Endpoint)}";
}
