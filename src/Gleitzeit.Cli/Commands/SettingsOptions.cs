using System.CommandLine;
using System.Globalization;
using Gleitzeit.Batch.Configuration;

namespace Gleitzeit.Cli.Commands;

/// <summary>The options every running command shares, applied over the layered configuration.</summary>
internal sealed class SettingsOptions
{
    public Option<string?> Model { get; } = new("--model", "-m") { Description = "Model to use (default llama3.2:latest, llava:latest with --vision)" };

    public Option<string?> Endpoint { get; } = new("--endpoint") { Description = "Ollama address (default: OLLAMA_HOST, then http://localhost:11434)" };

    public Option<int?> Concurrency { get; } = new("--concurrency", "-c") { Description = "Items sent at once (default 5)" };

    public Option<string?> MaxSize { get; } = new("--max-size") { Description = "Skip files larger than this, e.g. 1048576, 512KB, 2MB (default 1 MiB)" };

    public Option<double?> Timeout { get; } = new("--timeout") { Description = "Seconds one generation may take (default 120)" };

    public Option<int?> Retries { get; } = new("--retries") { Description = "Attempts per item for transient failures (default 3)" };

    public Option<string?> CacheMode { get; } = new("--cache-mode") { Description = "ReadWrite (default), ReadOnly, Locked (fail on a miss, no model calls) or Off" };

    public Option<bool> NoCache { get; } = new("--no-cache") { Description = "Same as --cache-mode Off" };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Model, Endpoint, Concurrency, MaxSize, Timeout, Retries, CacheMode, NoCache })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>Configuration files and environment, then these flags.</summary>
    public BatchSettings Resolve(ParseResult parse, CliContext context, bool vision = false)
    {
        var settings = ConfigurationLoader.Load(context.WorkingDirectory, context.Environment);

        if (parse.GetValue(Model) is { } model)
        {
            settings = vision ? settings with { VisionModel = model } : settings with { Model = model };
        }

        settings = Apply(settings, "endpoint", parse.GetValue(Endpoint), "--endpoint");
        if (parse.GetValue(Concurrency) is { } concurrency)
        {
            settings = concurrency is > 0 and <= 1024 ? settings with { MaxConcurrent = concurrency } : throw new CliException($"--concurrency {concurrency}: expected a whole number from 1 to 1024");
        }

        if (parse.GetValue(MaxSize) is { } maxSize)
        {
            settings = settings with { MaxFileSize = ParseSize(maxSize, "--max-size") };
        }

        if (parse.GetValue(Timeout) is { } timeout)
        {
            settings = timeout > 0 ? settings with { TimeoutPerFile = TimeSpan.FromSeconds(timeout) } : throw new CliException($"--timeout {timeout}: expected a positive number of seconds");
        }

        if (parse.GetValue(Retries) is { } retries)
        {
            settings = retries is >= 1 and <= 100 ? settings with { RetryAttempts = retries } : throw new CliException($"--retries {retries}: expected a whole number from 1 to 100");
        }

        if (parse.GetValue(CacheMode) is { } mode)
        {
            settings = settings with { CacheMode = ConfigurationLoader.ParseCacheMode(mode) ?? throw new CliException($"--cache-mode '{mode}': expected ReadWrite, ReadOnly, Locked or Off") };
        }

        if (parse.GetValue(NoCache))
        {
            settings = settings with { CacheMode = Batch.Configuration.CacheMode.Off };
        }

        return settings;
    }

    /// <summary>Parses <c>1048576</c>, <c>512KB</c>, <c>2MB</c>, <c>1GiB</c>.</summary>
    public static long ParseSize(string text, string option)
    {
        var trimmed = text.Trim().ToUpperInvariant().Replace("IB", "B", StringComparison.Ordinal);
        var (number, factor) = trimmed switch
        {
            _ when trimmed.EndsWith("KB", StringComparison.Ordinal) => (trimmed[..^2], 1024L),
            _ when trimmed.EndsWith("MB", StringComparison.Ordinal) => (trimmed[..^2], 1024L * 1024),
            _ when trimmed.EndsWith("GB", StringComparison.Ordinal) => (trimmed[..^2], 1024L * 1024 * 1024),
            _ when trimmed.EndsWith('B') => (trimmed[..^1], 1L),
            _ => (trimmed, 1L),
        };
        return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0
            ? (long)(value * factor)
            : throw new CliException($"{option} '{text}': expected a size such as 1048576, 512KB or 2MB");
    }

    /// <summary>Parses <c>30d</c>, <c>12h</c>, <c>90m</c>, <c>45s</c>.</summary>
    public static TimeSpan ParseAge(string text, string option)
    {
        var trimmed = text.Trim().ToLowerInvariant();
        if (trimmed.Length > 1 && double.TryParse(trimmed[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0)
        {
            switch (trimmed[^1])
            {
                case 'd': return TimeSpan.FromDays(value);
                case 'h': return TimeSpan.FromHours(value);
                case 'm': return TimeSpan.FromMinutes(value);
                case 's': return TimeSpan.FromSeconds(value);
            }
        }

        throw new CliException($"{option} '{text}': expected an age such as 30d, 12h or 90m");
    }

    private static BatchSettings Apply(BatchSettings settings, string key, string? value, string option) =>
        value is null ? settings : ConfigurationLoader.ApplySetting(settings, key, value, message => new CliException($"{option}: {message}"));
}
