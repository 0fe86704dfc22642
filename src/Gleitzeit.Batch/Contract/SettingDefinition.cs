using System.Collections.Generic;

namespace Gleitzeit.Batch.Contract;

/// <summary>
/// One row of the settings table: how a setting is spelled in each layer that can set it, how its text is read, its
/// default and range. Every layer (config files, environment, command line, MSBuild) reads the table; none lists settings itself.
/// </summary>
public sealed class SettingDefinition
{
    /// <summary>The key under <c>batch:</c> in <c>.gleitzeit/config.yaml</c>, and the setting's name everywhere else.</summary>
    public string Key { get; init; } = string.Empty;

    /// <summary>What the setting does, for help texts and docs/settings.md.</summary>
    public string Description { get; init; } = string.Empty;

    /// <summary>How its text is read.</summary>
    public SettingKind Kind { get; init; }

    /// <summary>The built-in default as text (parsed like any other value); null when unset by default.</summary>
    public string? Default { get; init; }

    /// <summary>Smallest value allowed (numbers, sizes, seconds).</summary>
    public double Minimum { get; init; }

    /// <summary>Largest value allowed (numbers, sizes, seconds).</summary>
    public double Maximum { get; init; } = double.MaxValue;

    /// <summary>The allowed choices, spelled as they are reported.</summary>
    public IReadOnlyList<string> Choices { get; init; } = [];

    /// <summary>Port added to an address that names none.</summary>
    public int DefaultPort { get; init; }

    /// <summary>Whether a change can change the model's answers (and so the cache key of every item).</summary>
    public bool ChangesAnswers { get; init; }

    /// <summary>Whether <c>batch:</c> in a config file may set it.</summary>
    public bool InConfigFile { get; init; } = true;

    /// <summary>The MSBuild property, e.g. <c>GleitzeitMaxConcurrency</c>; null when a build cannot set it.</summary>
    public string? Property { get; init; }

    /// <summary>The command-line flag, e.g. <c>--concurrency</c>; null when the command line cannot set it.</summary>
    public string? Flag { get; init; }

    /// <summary>A one-letter alias of <see cref="Flag"/>, e.g. <c>-c</c>.</summary>
    public string? ShortFlag { get; init; }

    /// <summary>The environment variable, e.g. <c>GLEITZEIT_MODEL</c>; null when the environment cannot set it.</summary>
    public string? Environment { get; init; }

    /// <summary>How the setting is spelled in <paramref name="layer"/>, for messages; the key when that layer has no spelling.</summary>
    public string SpelledFor(SettingLayer layer)
    {
        switch (layer)
        {
            case SettingLayer.CommandLine:
                return Flag ?? Key;
            case SettingLayer.MSBuild:
                return Property ?? Key;
            case SettingLayer.Environment:
                return Environment ?? Key;
            default:
                return Key;
        }
    }

    public override string ToString() => Key;
}

/// <summary>Where a setting's value came from; also which spelling a message uses.</summary>
public enum SettingLayer
{
    /// <summary>The built-in default.</summary>
    Default,

    /// <summary><c>batch:</c> in a config file.</summary>
    ConfigFile,

    /// <summary>An environment variable.</summary>
    Environment,

    /// <summary>A command-line flag.</summary>
    CommandLine,

    /// <summary>An MSBuild property.</summary>
    MSBuild,
}
