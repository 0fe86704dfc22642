using YamlDotNet.Serialization;

namespace Gleitzeit.Batch.Workflows;

/// <summary>Writes the workflow YAML that <c>gleitzeit generate batch</c> produces: the upstream <c>tasks:</c> form, which the original Gleitzeit also runs.</summary>
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
        var parameters = new Dictionary<string, object> { ["model"] = model };
        if (directory is not null)
        {
            parameters["directory"] = directory;
            parameters["file_pattern"] = pattern;
        }
        else
        {
            parameters["files"] = files.ToList();
        }

        parameters["messages"] = new List<object> { new Dictionary<string, string> { ["role"] = "user", ["content"] = prompt } };
        var document = new Dictionary<string, object>
        {
            ["name"] = name,
            ["tasks"] = new List<object>
            {
                new Dictionary<string, object>
                {
                    ["name"] = vision ? "describe_images" : "process_files",
                    ["protocol"] = "llm/v1",
                    ["method"] = vision ? "llm/vision" : "llm/chat",
                    ["params"] = parameters,
                },
            },
        };
        var yaml = new SerializerBuilder().WithQuotingNecessaryStrings().Build().Serialize(document);
        return yaml.ReplaceLineEndings("\n");
    }
}
