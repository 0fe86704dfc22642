using System.CommandLine;

namespace Gleitzeit.Cli.Commands;

/// <summary><c>--prompt TEXT</c> or <c>--prompt-file PATH</c> (one of them), on every command that takes a prompt.</summary>
internal sealed class PromptOptions
{
    public const string DefaultPrompt = "Analyze this file";

    private readonly Option<string?> _prompt;
    private readonly Option<string?> _file = new("--prompt-file") { Description = "A UTF-8 file whose text is the prompt (instead of --prompt)", HelpName = "path" };

    public PromptOptions(string description) => _prompt = new Option<string?>("--prompt") { Description = $"{description} (default \"{DefaultPrompt}\")" };

    public void AddTo(Command command)
    {
        command.Options.Add(_prompt);
        command.Options.Add(_file);
    }

    /// <summary>The prompt: the text given, the prompt file's text, or the default.</summary>
    public string Resolve(ParseResult parse, CliContext context)
    {
        var text = parse.GetValue(_prompt);
        if (parse.GetValue(_file) is not { } file)
        {
            return text ?? DefaultPrompt;
        }

        if (text is not null)
        {
            throw new CliException("--prompt and --prompt-file both give the prompt: give one of them");
        }

        try
        {
            return Batch.Contract.PromptFiles.Read(context.Resolve(file));
        }
        catch (Batch.Contract.PromptFileException ex)
        {
            throw new CliException($"{ex.Message} (--prompt-file)", ex.Code);
        }
    }
}
