using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Gleitzeit.Batch.Workflows;

/// <summary>
/// Writes the workflow YAML that <c>gleitzeit generate batch</c> produces: the <c>tasks:</c> form of Gleitzeit workflow files
/// (docs/cli.md, "Workflow YAML"). Emitted event by event (no reflection, so it works ahead-of-time compiled).
/// </summary>
public static class WorkflowGenerator
{
    /// <summary>The YAML text of a one-task batch workflow.</summary>
    /// <param name="name">Workflow name.</param>
    /// <param name="directory">Directory to scan (relative to where the YAML will live), or null with <paramref name="files"/>.</param>
    /// <param name="pattern">File pattern for <paramref name="directory"/>.</param>
    /// <param name="files">Explicit files, relative to where the YAML will live.</param>
    /// <param name="prompt">The user prompt.</param>
    /// <param name="model">The model.</param>
    /// <param name="vision">Whether the files are images.</param>
    public static string Generate(string name, string? directory, string pattern, IReadOnlyList<string> files, string prompt, string model, bool vision)
    {
        ArgumentNullException.ThrowIfNull(files);
        using var text = new StringWriter();
        var yaml = new Emitter(text, EmitterSettings.Default.WithNewLine("\n"));
        yaml.Emit(new StreamStart());
        yaml.Emit(new DocumentStart(null, null, isImplicit: true));
        yaml.Emit(new MappingStart());
        Pair(yaml, "name", name);
        Scalar(yaml, "tasks");
        yaml.Emit(new SequenceStart(null, null, isImplicit: true, SequenceStyle.Block));
        yaml.Emit(new MappingStart());
        Pair(yaml, "name", vision ? "describe_images" : "process_files");
        Pair(yaml, "protocol", "llm/v1");
        Pair(yaml, "method", vision ? "llm/vision" : "llm/chat");
        Scalar(yaml, "params");
        yaml.Emit(new MappingStart());
        Pair(yaml, "model", model);
        if (directory is not null)
        {
            Pair(yaml, "directory", directory);
            Pair(yaml, "file_pattern", pattern);
        }
        else
        {
            Scalar(yaml, "files");
            yaml.Emit(new SequenceStart(null, null, isImplicit: true, SequenceStyle.Block));
            foreach (var file in files)
            {
                Scalar(yaml, file);
            }

            yaml.Emit(new SequenceEnd());
        }

        Scalar(yaml, "messages");
        yaml.Emit(new SequenceStart(null, null, isImplicit: true, SequenceStyle.Block));
        yaml.Emit(new MappingStart());
        Pair(yaml, "role", "user");
        Pair(yaml, "content", prompt);
        yaml.Emit(new MappingEnd());
        yaml.Emit(new SequenceEnd());
        yaml.Emit(new MappingEnd());
        yaml.Emit(new MappingEnd());
        yaml.Emit(new SequenceEnd());
        yaml.Emit(new MappingEnd());
        yaml.Emit(new DocumentEnd(isImplicit: true));
        yaml.Emit(new StreamEnd());
        return text.ToString();
    }

    private static void Pair(Emitter yaml, string key, string value)
    {
        Scalar(yaml, key);
        Scalar(yaml, value);
    }

    // A string that a YAML 1.1 reader (the original's PyYAML) or a 1.2 reader would take for a null, boolean or
    // number is double-quoted; otherwise the emitter picks plain or quoted by the characters alone.
    private static void Scalar(Emitter yaml, string value) =>
        yaml.Emit(new Scalar(null, null, value, YamlScalars.ReadsAsNonString(value) ? ScalarStyle.DoubleQuoted : ScalarStyle.Any, isPlainImplicit: true, isQuotedImplicit: true));
}
