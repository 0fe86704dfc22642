using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace Gleitzeit.Batch.Contract;

/// <summary>
/// Checks a <c>GleitzeitBatch</c> item's metadata before anything runs, the same way in the MSBuild task and in the
/// worker: each problem is one message naming the metadata as the user wrote it.
/// </summary>
public static class ItemRules
{
    private static readonly HashSet<string> ReservedNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "CON", "PRN", "AUX", "NUL",
        "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
        "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    };

    private static readonly char[] InvalidNameCharacters = ['<', '>', ':', '"', '|', '?', '*', '/', '\\'];

    /// <summary>The problems of one item; empty when it can run.</summary>
    /// <param name="metadata">The item's metadata by name (missing and empty alike mean unset).</param>
    /// <param name="projectDirectory">The project's directory: an <c>OutputFile</c> must stay inside it.</param>
    public static IReadOnlyList<(string Code, string Message)> Check(Func<string, string> metadata, string projectDirectory)
    {
        if (metadata is null)
        {
            throw new ArgumentNullException(nameof(metadata));
        }

        var problems = new List<(string, string)>();
        var promptFile = metadata(BuildContract.Metadata.PromptFile).Trim();
        if (promptFile.Length > 0 && metadata(BuildContract.Metadata.Prompt).Trim().Length > 0)
        {
            problems.Add((DiagnosticCodes.InvalidSetting, $"GleitzeitBatch item has both Prompt and PromptFile ('{promptFile}'): give one of them"));
        }
        else if (promptFile.Length > 0)
        {
            try
            {
                PromptFiles.Read(Path.GetFullPath(Path.Combine(projectDirectory, promptFile)));
            }
            catch (PromptFileException ex)
            {
                problems.Add((ex.Code, $"{ex.Message} (PromptFile '{promptFile}', relative to the project file)"));
            }
        }
        else if (metadata(BuildContract.Metadata.Prompt).Trim().Length == 0)
        {
            problems.Add((DiagnosticCodes.MissingPrompt, "GleitzeitBatch item has no Prompt: add Prompt=\"…\" or PromptFile=\"prompts/….txt\" to the item or to an ItemDefinitionGroup"));
        }

        if (BatchNameProblem(metadata(BuildContract.Metadata.Batch).Trim()) is { } batchProblem)
        {
            problems.Add((DiagnosticCodes.InvalidSetting, $"Batch {batchProblem}"));
        }

        var temperature = metadata(BuildContract.Metadata.Temperature).Trim();
        if (temperature.Length > 0 && (!double.TryParse(temperature, NumberStyles.Float, CultureInfo.InvariantCulture, out var t) || t < 0 || t > 100 || double.IsNaN(t)))
        {
            problems.Add((DiagnosticCodes.InvalidSetting, $"invalid value '{temperature}' for Temperature: expected a number from 0 such as 0.2"));
        }

        var seed = metadata(BuildContract.Metadata.Seed).Trim();
        if (seed.Length > 0 && !long.TryParse(seed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
        {
            problems.Add((DiagnosticCodes.InvalidSetting, $"invalid value '{seed}' for Seed: expected a whole number"));
        }

        var vision = metadata(BuildContract.Metadata.Vision).Trim();
        if (vision.Length > 0 && !string.Equals(vision, "true", StringComparison.OrdinalIgnoreCase) && !string.Equals(vision, "false", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add((DiagnosticCodes.InvalidSetting, $"invalid value '{vision}' for Vision: expected true or false"));
        }

        var longDocuments = metadata(BuildContract.Metadata.LongDocuments).Trim();
        if (longDocuments.Length > 0 && !string.Equals(longDocuments, "fail", StringComparison.OrdinalIgnoreCase) && !string.Equals(longDocuments, "split", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add((DiagnosticCodes.InvalidSetting, $"invalid value '{longDocuments}' for LongDocuments: expected fail or split"));
        }

        var format = metadata(BuildContract.Metadata.Format).Trim();
        if (format.Length > 0 && !string.Equals(format, "json", StringComparison.OrdinalIgnoreCase) && !File.Exists(Path.Combine(projectDirectory, format)))
        {
            problems.Add((DiagnosticCodes.InvalidSetting, $"invalid value '{format}' for Format: expected json, or a JSON schema file (not found at {Path.GetFullPath(Path.Combine(projectDirectory, format))})"));
        }

        foreach (var (name, setting) in BuildContract.Metadata.Review)
        {
            var value = metadata(name).Trim();
            if (value.Length > 0 && !SettingParser.TryParse(setting, value, DateTimeOffset.Now, out _, out var expectation))
            {
                problems.Add((DiagnosticCodes.InvalidSetting, $"invalid value '{(value.Length <= 80 ? value : value.Substring(0, 77) + "...")}' for {name}: {expectation}"));
            }
        }

        var outputFile = metadata(BuildContract.Metadata.OutputFile).Trim();
        if (outputFile.Length > 0 && !IsInside(projectDirectory, outputFile))
        {
            problems.Add((DiagnosticCodes.InvalidSetting, $"invalid value '{outputFile}' for OutputFile: it must be a file inside the project's folder"));
        }

        return problems;
    }

    /// <summary>Why <paramref name="name"/> cannot name artifacts (it must be a plain file name on every OS); null when it can.</summary>
    public static string? BatchNameProblem(string name)
    {
        if (name.Length == 0)
        {
            return "is empty: name the batch (Batch=\"docs\"), or leave Batch out to use the project's name";
        }

        if (name.Length > 100)
        {
            return $"name '{name.Substring(0, 40)}…' is longer than 100 characters";
        }

        if (name == "." || name == ".." || name.IndexOfAny(InvalidNameCharacters) >= 0 || name.Any(char.IsControl))
        {
            return $"'{name}' cannot name artifact files: use letters, digits, '-', '_' and '.', without path separators, '..' or any of < > : \" | ? *";
        }

        if (name.EndsWith(".", StringComparison.Ordinal) || name.EndsWith(" ", StringComparison.Ordinal) || name.StartsWith(" ", StringComparison.Ordinal))
        {
            return $"'{name}' cannot name artifact files: it may not start with a space or end with a space or '.'";
        }

        var stem = name.Split('.')[0];
        if (ReservedNames.Contains(stem))
        {
            return $"'{name}' is a reserved device name on Windows ({stem.ToUpperInvariant()}); choose another name";
        }

        return null;
    }

    /// <summary>Whether <paramref name="path"/> (relative to <paramref name="directory"/> or absolute) lies inside <paramref name="directory"/>.</summary>
    public static bool IsInside(string directory, string path)
    {
        var root = Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar) + Path.DirectorySeparatorChar;
        string full;
        try
        {
            full = Path.GetFullPath(Path.Combine(directory, path));
        }
        catch (ArgumentException)
        {
            return false;
        }

        var comparison = Path.DirectorySeparatorChar == '\\' ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return full.StartsWith(root, comparison) && full.Length > root.Length;
    }
}
