using System.CommandLine;
using Gleitzeit.Batch.Configuration;

namespace Gleitzeit.Cli.Commands;

/// <summary>
/// Command-line options made from rows of the settings table: each command adds the rows it uses, and every value is
/// read by the table's parser, so a bad one gets the same message as in a config file or an MSBuild property.
/// </summary>
internal sealed class SettingsOptions
{
    /// <summary>What a command that sends items to a model reads.</summary>
    public static readonly SettingDefinition[] Running =
    [
        Settings.Provider, Settings.Endpoint, Settings.ApiKeyVariable, Settings.Model, Settings.VisionModel, Settings.MaxConcurrent, Settings.TimeoutPerFile,
        Settings.FirstChunkTimeout, Settings.IdleTimeout, Settings.RequestTimeout, Settings.RetryAttempts, Settings.RateLimitWait, Settings.RequestsPerMinute, Settings.TokensPerMinute, Settings.MaxFileSize,
        Settings.EmptyFiles, Settings.EmptyAnswers, Settings.KeepReasoning, Settings.LongDocuments, Settings.CombinePrompt, Settings.Execution,
        Settings.MaxWords, Settings.MinWords, Settings.MaxChars, Settings.MinChars, Settings.MustMatch, Settings.MustNotMatch, Settings.RequireJson, Settings.Judge, Settings.JudgeModel, Settings.MinScore, Settings.ChecksFail,
        Settings.ContextLength, Settings.ResultsDirectory, Settings.CacheDirectory, Settings.ModelsDirectory, Settings.CacheMode, Settings.CheckModels, Settings.MaxTokensTotal,
    ];

    private readonly List<(SettingDefinition Setting, Option Option)> _options = [];

    public SettingsOptions(params SettingDefinition[] settings)
    {
        foreach (var setting in settings)
        {
            var aliases = setting.ShortFlag is null ? [] : new[] { setting.ShortFlag };
            Option option = setting.Kind switch
            {
                SettingKind.Boolean => new Option<bool>(setting.Flag!, aliases) { Description = Describe(setting) },
                SettingKind.AddressList => new Option<string[]>(setting.Flag!, aliases) { Description = Describe(setting) + " (repeat it, or separate with ';')" },
                _ when setting == Settings.Judge => new Option<string?>(setting.Flag!, aliases) { Description = Describe(setting) + "; --judge alone takes the built-in rubric", Arity = ArgumentArity.ZeroOrOne, HelpName = "rubric" },
                _ => new Option<string?>(setting.Flag!, aliases) { Description = Describe(setting) },
            };
            _options.Add((setting, option));
        }

        if (settings.Contains(Settings.CacheMode))
        {
            NoCache = new Option<bool>("--no-cache") { Description = "Same as --cache-mode Off" };
        }

        if (settings.Contains(Settings.Execution))
        {
            Bulk = new Option<bool>("--bulk") { Description = "Same as --execution bulk: misses go to the service's Batch API; a later run collects them" };
            Wait = new Option<string?>("--wait")
            {
                Description = "With --bulk: wait for the remote batches and collect their answers, checking at most a minute apart, for at most this long (90s, 30m, 2h; default 25h)",
                Arity = ArgumentArity.ZeroOrOne,
            };
        }
    }

    public Option<bool>? NoCache { get; }

    public Option<bool>? Bulk { get; }

    public Option<string?>? Wait { get; }

    /// <summary>The option of a row, or null when this command does not take it.</summary>
    public Option? this[SettingDefinition setting] => _options.FirstOrDefault(o => o.Setting == setting).Option;

    public void AddTo(Command command)
    {
        foreach (var (_, option) in _options)
        {
            command.Options.Add(option);
        }

        if (NoCache is not null)
        {
            command.Options.Add(NoCache);
        }

        if (Bulk is not null)
        {
            command.Options.Add(Bulk);
            command.Options.Add(Wait!);
        }
    }

    /// <summary>Whether the user gave <paramref name="setting"/> on the command line.</summary>
    public bool IsGiven(ParseResult parse, SettingDefinition setting) =>
        Text(parse, setting) is not null || (setting == Settings.Execution && Bulk is not null && parse.GetValue(Bulk));

    /// <summary>Configuration files and environment, then these flags.</summary>
    /// <param name="parse">The parsed command line.</param>
    /// <param name="context">The process's context.</param>
    /// <param name="vision">Whether <c>--model</c> names the vision model (a <c>--vision</c> batch).</param>
    public BatchSettings Resolve(ParseResult parse, CliContext context, bool vision = false)
    {
        var settings = ConfigurationLoader.Load(context.WorkingDirectory, context.Environment) with { Surface = SettingLayer.CommandLine };
        foreach (var (setting, _) in _options)
        {
            if (Text(parse, setting) is not { } text)
            {
                continue;
            }

            var target = setting == Settings.Model && vision ? Settings.VisionModel : setting;
            settings = ConfigurationLoader.Apply(settings, target, text, SettingLayer.CommandLine, context.WorkingDirectory, message => new CliException(message.Replace(target.Flag!, setting.Flag!, StringComparison.Ordinal)));
        }

        if (NoCache is not null && parse.GetValue(NoCache))
        {
            settings = settings with { CacheMode = Batch.Configuration.CacheMode.Off };
        }

        if (Bulk is not null && parse.GetValue(Bulk))
        {
            settings = settings with { Bulk = true };
        }

        if (Wait is not null && parse.GetResult(Wait) is not null)
        {
            settings = settings with { BulkWait = ParseWait(parse.GetValue(Wait)) };
        }

        return settings;
    }

    /// <summary>
    /// A batch's checks as given: checks that no answer can pass, and a judge's model or threshold with no judge, are
    /// usage errors rather than a run that silently does something else.
    /// </summary>
    public void CheckReview(ParseResult parse, BatchSettings settings)
    {
        if (settings.Review?.Contradiction is { } contradiction)
        {
            throw new CliException($"the checks contradict each other: {contradiction}");
        }

        if (settings.Review?.Judge is null && (IsGiven(parse, Settings.MinScore) || IsGiven(parse, Settings.JudgeModel)))
        {
            throw new CliException($"{(IsGiven(parse, Settings.MinScore) ? "--min-score" : "--judge-model")} sets the judge, and no judge is asked for: add --judge (the built-in rubric) or --judge \"RUBRIC\"");
        }
    }

    /// <summary>Parses <c>--wait</c>'s <c>90s</c>, <c>30m</c>, <c>2h</c> or plain seconds; no value: 25 hours, the Batch API's window and an hour.</summary>
    public static TimeSpan ParseWait(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return TimeSpan.FromHours(25);
        }

        var trimmed = text.Trim();
        var unit = char.IsLetter(trimmed[^1]) ? char.ToLowerInvariant(trimmed[^1]) : 's';
        var number = char.IsLetter(trimmed[^1]) ? trimmed[..^1] : trimmed;
        var scale = unit switch { 's' => 1d, 'm' => 60d, 'h' => 3600d, 'd' => 86400d, _ => 0d };
        return scale > 0 && double.TryParse(number, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value) && value > 0 && value * scale <= Settings.MaxSeconds
            ? TimeSpan.FromSeconds(value * scale)
            : throw new CliException($"invalid value '{text}' for --wait: expected a duration such as 90s, 30m or 2h (at most 7 days)");
    }

    /// <summary>Parses <c>1048576</c>, <c>512KB</c>, <c>2MB</c>, <c>1GiB</c>: whole bytes, at least one.</summary>
    public static long ParseSize(string text, string option) =>
        SettingParser.ParseBytes(text) is long bytes && bytes >= 1
            ? bytes
            : throw new CliException($"invalid value '{text}' for {option}: expected a whole number of bytes, such as 1048576, 512KB or 2MB");

    /// <summary>Parses <c>30d</c>, <c>12h</c>, <c>90m</c>, <c>45s</c>.</summary>
    public static TimeSpan ParseAge(string text, string option)
    {
        var now = DateTimeOffset.Now;
        return text.Trim() is { Length: > 1 } trimmed && char.IsLetter(trimmed[^1])
            && SettingParser.TryParse(Settings.ModifiedSince, trimmed, now, out var since, out _)
            ? now - (DateTimeOffset)since!
            : throw new CliException($"invalid value '{text}' for {option}: expected an age such as 30d, 12h or 90m");
    }

    private string? Text(ParseResult parse, SettingDefinition setting)
    {
        var option = this[setting];
        return option switch
        {
            Option<bool> flag => parse.GetValue(flag) ? "true" : null,
            Option<string[]> list => parse.GetValue(list) is { Length: > 0 } values ? string.Join(";", values) : null,
            Option<string?> judge when setting == Settings.Judge && parse.GetResult(judge) is { } given => parse.GetValue(judge) ?? "true",
            Option<string?> text => parse.GetValue(text),
            _ => null,
        };
    }

    private static string Describe(SettingDefinition setting)
    {
        var text = char.ToUpperInvariant(setting.Description[0]) + setting.Description[1..];
        return setting.Default is { } value && setting.Kind != SettingKind.Boolean ? $"{text} (default {value})" : text;
    }
}
