using System.CommandLine;
using System.Text;
using Gleitzeit.Batch.Planning;
using Gleitzeit.Batch.Workflows;

namespace Gleitzeit.Cli.Commands;

/// <summary><c>gleitzeit generate batch &lt;directory&gt; | --files …</c>: write a workflow YAML that <c>run</c> (and the original Gleitzeit) executes.</summary>
internal sealed class GenerateCommand(CliContext context)
{
    public Command Build()
    {
        var directory = new Argument<string?>("directory") { Description = "Directory the workflow scans", Arity = ArgumentArity.ZeroOrOne };
        var files = new Option<string[]>("--files", "-f") { Description = "Explicit files instead of a directory", AllowMultipleArgumentsPerToken = true };
        var pattern = new Option<string>("--pattern", "-p") { Description = "File pattern in the directory", DefaultValueFactory = _ => "*" };
        var prompt = new PromptOptions("The prompt");
        var vision = new Option<bool>("--vision") { Description = "Images for a vision model (llm/vision)" };
        var settingsOptions = new SettingsOptions(Settings.Model, Settings.VisionModel);
        var output = new Option<string?>("--output", "-o") { Description = "Where to write the YAML (standard output when not given)" };
        var batch = new Command("batch", "Generate a batch workflow over a directory or files");
        batch.Arguments.Add(directory);
        foreach (var option in new Option[] { files, pattern, vision, output })
        {
            batch.Options.Add(option);
        }

        prompt.AddTo(batch);
        settingsOptions.AddTo(batch);

        batch.SetAction((parse, _) => CliErrors.Guard(context, () =>
        {
            var dir = parse.GetValue(directory);
            var list = parse.GetValue(files) ?? [];
            if (dir is null && list.Length == 0)
            {
                throw new CliException("give a directory (gleitzeit generate batch ./docs) or --files a.txt b.txt");
            }

            var outputPath = parse.GetValue(output) is { } o ? context.Resolve(o) : null;
            var baseDirectory = outputPath is null ? context.WorkingDirectory : Path.GetDirectoryName(outputPath)!;
            if (dir is not null && !Directory.Exists(context.Resolve(dir)))
            {
                throw new CliException($"directory not found: {context.Resolve(dir)}; check the path", Batch.Contract.DiagnosticCodes.FileNotFound);
            }

            foreach (var missing in list.Where(f => !File.Exists(context.Resolve(f))))
            {
                throw new CliException($"file not found: {context.Resolve(missing)}", Batch.Contract.DiagnosticCodes.FileNotFound);
            }

            string Relative(string path) => Path.GetRelativePath(baseDirectory, context.Resolve(path)).Replace('\\', '/');
            var isVision = parse.GetValue(vision);
            var plans = new PlanBuilder(settingsOptions.Resolve(parse, context, isVision));
            var yaml = WorkflowGenerator.Generate(
                dir is null ? "Batch processing" : $"Batch processing: {Path.GetFileName(context.Resolve(dir))}",
                dir is null ? null : Relative(dir),
                parse.GetValue(pattern)!,
                [.. list.Select(Relative)],
                prompt.Resolve(parse, context),
                plans.ModelFor(isVision),
                isVision);
            if (outputPath is null)
            {
                context.Out.Write(yaml);
            }
            else
            {
                Batch.Serialization.AtomicFile.Write(outputPath, new UTF8Encoding(false).GetBytes(yaml));
                context.Out.WriteLine($"Wrote {outputPath}; run it with `gleitzeit run {Path.GetRelativePath(context.WorkingDirectory, outputPath)}`");
            }

            return Task.FromResult(ExitCodes.Success);
        }));
        var generate = new Command("generate", "Generate workflow YAML");
        generate.Subcommands.Add(batch);
        return generate;
    }
}
