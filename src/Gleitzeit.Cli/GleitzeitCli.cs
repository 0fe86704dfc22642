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
        var verbosity = new Option<string?>("--verbosity", "-v")
        {
            Description = "How much to print: q[uiet] (errors and the final result), m[inimal], n[ormal] (default), d[etailed] (a line per item sent too), diag[nostic] (and stack traces)",
            Recursive = true,
            HelpName = "level",
        };
        verbosity.AcceptOnlyFromAmong(Rendering.Verbosities.Names);
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Same as --verbosity quiet", Recursive = true };
        var root = new RootCommand("gleitzeit: run LLM prompts over files — incremental, cached, resumable");
        root.Options.Add(verbose);
        root.Options.Add(verbosity);
        root.Options.Add(quiet);
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
        var configuration = new InvocationConfiguration { Output = context.Out, Error = context.Error, EnableDefaultExceptionHandler = false };
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                context.Error.WriteLine($"gleitzeit: error {Batch.Contract.DiagnosticCodes.InvalidSetting}: {error.Message}");
            }

            context.Error.WriteLine($"Run `{CommandPath(parse.CommandResult)} --help` for usage.");
            return ExitCodes.UsageOrConfiguration;
        }

        var level = parse.GetValue(verbosity) is { } named ? Rendering.Verbosities.Parse(named) : (Rendering.Verbosity?)null;
        if (parse.GetValue(quiet) && level is not null and not Rendering.Verbosity.Quiet)
        {
            context.Error.WriteLine($"gleitzeit: error {Batch.Contract.DiagnosticCodes.InvalidSetting}: --quiet and --verbosity {parse.GetValue(verbosity)} disagree: give one of them");
            return ExitCodes.UsageOrConfiguration;
        }

        context.Verbosity = parse.GetValue(quiet) ? Rendering.Verbosity.Quiet : level ?? Rendering.Verbosity.Normal;
        context.Verbose = parse.GetValue(verbose) || context.Verbosity == Rendering.Verbosity.Diagnostic;
        var exit = await parse.InvokeAsync(configuration, cancellationToken);
        return args.Length == 0 ? ExitCodes.UsageOrConfiguration : exit;
    }

    /// <summary>The command as typed from the root: <c>gleitzeit cache stats</c>, not <c>gleitzeit stats</c>.</summary>
    private static string CommandPath(System.CommandLine.Parsing.CommandResult? result)
    {
        var names = new List<string>();
        for (var current = result; current is not null; current = current.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Add(current.Command is RootCommand ? "gleitzeit" : current.Command.Name);
        }

        names.Reverse();
        return string.Join(' ', names);
    }
}
