using System.CommandLine;
using Gleitzeit.Cli.Commands;

namespace Gleitzeit.Cli;

/// <summary>The <c>gleitzeit</c> command line: parses, then runs one command. Nothing is loaded before the command is known.</summary>
public static class GleitzeitCli
{
    /// <summary>Runs <paramref name="args"/> in <paramref name="context"/> and returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var verbose = new Option<bool>("--verbose") { Description = "Show stack traces with errors", Recursive = true };
        var root = new RootCommand("gleitzeit: run LLM prompts over files — incremental, cached, resumable");
        root.Options.Add(verbose);
        root.Subcommands.Add(new BatchCommand().Build(context));
        foreach (var command in new BatchManagementCommands(context).Build())
        {
            root.Subcommands.Add(command);
        }

        root.Subcommands.Add(new GenerateCommand(context).Build());
        root.Subcommands.Add(new RunCommand(context).Build());
        root.Subcommands.Add(new CacheCommands(context).Build());
        root.Subcommands.Add(new ExtractCommand(context).Build());
        root.Subcommands.Add(new BuildWorkerCommand(context).Build());

        var parse = root.Parse(args.Length == 0 ? ["--help"] : args);
        context.Verbose = parse.GetValue(verbose);
        var configuration = new InvocationConfiguration { Output = context.Out, Error = context.Error, EnableDefaultExceptionHandler = false };
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                context.Error.WriteLine($"gleitzeit: error {Batch.Contract.DiagnosticCodes.InvalidSetting}: {error.Message}");
            }

            var command = parse.CommandResult.Command == root ? "gleitzeit" : $"gleitzeit {parse.CommandResult.Command.Name}";
            context.Error.WriteLine($"Run `{command} --help` for usage.");
            return ExitCodes.UsageOrConfiguration;
        }

        var exit = await parse.InvokeAsync(configuration, cancellationToken);
        return args.Length == 0 ? ExitCodes.UsageOrConfiguration : exit;
    }
}
