using System.Globalization;
using System.Text.Json.Nodes;
using Gleitzeit.Batch.Configuration;
using Gleitzeit.Batch.Inputs;
using Gleitzeit.Batch.Providers;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Gleitzeit.Batch.Workflows;

/// <summary>
/// Reads Gleitzeit workflow YAML in both upstream forms: <c>tasks:</c> (<c>protocol: llm/v1</c>,
/// <c>method: llm/chat | llm/vision</c>, <c>params</c>) and the dynamic <c>type: batch</c> form
/// (<c>batch:</c> + <c>template:</c>). Every error names file, line and column.
/// </summary>
public static class WorkflowParser
{
    private static readonly HashSet<string> SupportedMethods = ["llm/chat", "llm/vision"];

    /// <summary>Parses and validates a workflow file.</summary>
    /// <exception cref="ConfigurationException">The YAML is invalid or a task cannot run.</exception>
    public static WorkflowDefinition Parse(string file)
    {
        var full = Path.GetFullPath(file);
        if (!File.Exists(full))
        {
            throw new ConfigurationException($"workflow file not found: {full}", code: DiagnosticCodes.InvalidWorkflow);
        }

        var yaml = YamlFiles.Load(full);

        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new ConfigurationException("a workflow must be a mapping with 'tasks:' or 'type: batch'", full, 1, 1, DiagnosticCodes.InvalidWorkflow);
        }

        var context = new Context(full);
        var name = context.String(root, "name") ?? Path.GetFileNameWithoutExtension(full);
        var tasks = context.String(root, "type") == "batch"
            ? [ParseBatchForm(context, root, name)]
            : ParseTasks(context, root);
        Validate(context, tasks);
        return new WorkflowDefinition(name, full, tasks);
    }

    private static List<WorkflowTask> ParseTasks(Context context, YamlMappingNode root)
    {
        if (Child(root, "tasks") is not YamlSequenceNode sequence || sequence.Children.Count == 0)
        {
            throw context.Error(root, "the workflow has no 'tasks:' list (or 'type: batch' with 'batch:' and 'template:')");
        }

        var tasks = new List<WorkflowTask>();
        var index = 0;
        foreach (var node in sequence)
        {
            index++;
            if (node is not YamlMappingNode task)
            {
                throw context.Error(node, $"task {index} must be a mapping");
            }

            var id = context.String(task, "id") ?? context.String(task, "name") ?? $"task_{index}";
            var label = context.String(task, "name") ?? id;
            var protocol = context.String(task, "protocol");
            var method = context.String(task, "method") ?? "llm/chat";
            if ((protocol is not null && protocol != "llm/v1") || !SupportedMethods.Contains(method))
            {
                throw context.Error(task, $"task '{label}' uses {protocol ?? method.Split('/')[0] + "/v1"} method '{method}', which gleitzeit cannot run here: only protocol llm/v1 with llm/chat or llm/vision is supported");
            }

            var parameters = Child(task, "params") ?? Child(task, "parameters") ?? new YamlMappingNode();
            if (parameters is not YamlMappingNode paramMap)
            {
                throw context.Error(parameters, $"task '{label}': 'params' must be a mapping");
            }

            var files = new List<string>();
            if (Child(paramMap, "files") is { } filesNode)
            {
                files.AddRange(context.Strings(filesNode, "files"));
            }

            foreach (var key in new[] { "file_path", "image_path" })
            {
                if (context.String(paramMap, key) is { } single)
                {
                    files.Add(single);
                }
            }

            tasks.Add(BuildTask(context, task, paramMap, id, label, method, files, context.String(paramMap, "directory"), context.String(paramMap, "file_pattern"), context.Bool(paramMap, "recursive")));
        }

        return tasks;
    }

    private static WorkflowTask ParseBatchForm(Context context, YamlMappingNode root, string name)
    {
        var protocol = context.String(root, "protocol");
        if (Child(root, "batch") is not YamlMappingNode batch)
        {
            throw context.Error(root, "'type: batch' needs a 'batch:' mapping with 'directory' and 'pattern'");
        }

        if (Child(root, "template") is not YamlMappingNode template)
        {
            throw context.Error(root, "'type: batch' needs a 'template:' mapping with 'method' and 'messages'");
        }

        var method = context.String(template, "method") ?? "llm/chat";
        if ((protocol is not null && protocol != "llm/v1") || !SupportedMethods.Contains(method))
        {
            throw context.Error(template, $"batch '{name}' uses {protocol ?? method.Split('/')[0] + "/v1"} method '{method}', which gleitzeit cannot run here: only protocol llm/v1 with llm/chat or llm/vision is supported");
        }

        var directory = context.String(batch, "directory") ?? throw context.Error(batch, "'batch:' needs a 'directory'");
        return BuildTask(context, root, template, "batch", name, method, [], directory, context.String(batch, "pattern"), context.Bool(batch, "recursive"));
    }

    private static WorkflowTask BuildTask(Context context, YamlMappingNode task, YamlMappingNode parameters, string id, string label, string method, List<string> files, string? directory, string? pattern, bool recursive)
    {
        var messages = new List<PromptMessage>();
        if (context.String(parameters, "system") is { } system)
        {
            messages.Add(new PromptMessage("system", system));
        }

        if (Child(parameters, "messages") is { } messagesNode)
        {
            if (messagesNode is not YamlSequenceNode sequence)
            {
                throw context.Error(messagesNode, $"task '{label}': 'messages' must be a list of role/content mappings");
            }

            foreach (var message in sequence)
            {
                if (message is not YamlMappingNode map || context.String(map, "content") is not { } content)
                {
                    throw context.Error(message, $"task '{label}': each message needs a 'content'");
                }

                var role = context.String(map, "role") ?? "user";
                if (role is not ("system" or "user" or "assistant"))
                {
                    throw context.Error(map, $"task '{label}': message role '{role}' must be system, user or assistant");
                }

                messages.Add(new PromptMessage(role, content));
            }
        }

        if (context.String(parameters, "prompt") is { } prompt)
        {
            messages.Add(new PromptMessage("user", prompt));
        }

        if (!messages.Any(m => m.Role == "user"))
        {
            throw new ConfigurationException($"task '{label}' has no user message: add 'messages:' with a user role, or 'prompt:'", context.File, (int)task.Start.Line, (int)task.Start.Column, DiagnosticCodes.MissingPrompt);
        }

        var options = new JsonObject();
        foreach (var (keyNode, value) in parameters.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value!;
            if (key == "options" && value is YamlMappingNode nested)
            {
                foreach (var (nestedKey, nestedValue) in nested.Children)
                {
                    AddOption(context, options, ((YamlScalarNode)nestedKey).Value!, nestedValue, label);
                }
            }
            else if (OllamaOptions.WireName(key) is not null)
            {
                AddOption(context, options, key, value, label);
            }
        }

        JsonNode? format = Child(parameters, "format") is { } formatNode ? ToJson(formatNode) : null;
        var dependencies = Child(task, "dependencies") is { } dependencyNode ? context.Strings(dependencyNode, "dependencies") : [];
        return new WorkflowTask
        {
            Id = id,
            Name = label,
            Method = method,
            Line = (int)task.Start.Line,
            Dependencies = dependencies,
            Messages = messages,
            Model = context.String(parameters, "model"),
            Files = files,
            Directory = directory,
            Pattern = pattern ?? "*",
            Recursive = recursive,
            Options = options,
            Format = format,
        };
    }

    private static void AddOption(Context context, JsonObject options, string key, YamlNode value, string label)
    {
        var wire = OllamaOptions.WireName(key) ?? throw context.Error(value, $"task '{label}': unknown model option '{key}'");
        options[wire] = ToJson(value);
    }

    private static void Validate(Context context, List<WorkflowTask> tasks)
    {
        var byKey = new Dictionary<string, WorkflowTask>(StringComparer.Ordinal);
        foreach (var task in tasks)
        {
            if (!byKey.TryAdd(task.Id, task) || (task.Name != task.Id && !byKey.TryAdd(task.Name, task)))
            {
                throw new ConfigurationException($"two tasks are called '{task.Id}'", context.File, task.Line, 1, DiagnosticCodes.InvalidWorkflow);
            }
        }

        for (var i = 0; i < tasks.Count; i++)
        {
            var task = tasks[i];
            var dependencies = new List<string>();
            foreach (var reference in task.Dependencies.Concat(task.Messages.SelectMany(m => WorkflowReferences.Find(m.Content))))
            {
                if (!byKey.TryGetValue(reference, out var target))
                {
                    throw new ConfigurationException($"task '{task.Name}' refers to '{reference}', but no task has that name or id", context.File, task.Line, 1, DiagnosticCodes.InvalidWorkflow);
                }

                if (target == task)
                {
                    throw new ConfigurationException($"task '{task.Name}' depends on itself", context.File, task.Line, 1, DiagnosticCodes.InvalidWorkflow);
                }

                if (!dependencies.Contains(target.Id))
                {
                    dependencies.Add(target.Id);
                }
            }

            tasks[i] = task with { Dependencies = dependencies };
        }

        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        var ids = tasks.ToDictionary(t => t.Id, StringComparer.Ordinal);
        foreach (var task in tasks)
        {
            Visit(task);
        }

        void Visit(WorkflowTask task)
        {
            if (state.GetValueOrDefault(task.Id) == 2)
            {
                return;
            }

            if (state.GetValueOrDefault(task.Id) == 1)
            {
                throw new ConfigurationException($"tasks depend on each other in a cycle through '{task.Name}'", context.File, task.Line, 1, DiagnosticCodes.InvalidWorkflow);
            }

            state[task.Id] = 1;
            foreach (var dependency in task.Dependencies)
            {
                Visit(ids[dependency]);
            }

            state[task.Id] = 2;
        }
    }

    private static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : null;

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(p => KeyValuePair.Create(((YamlScalarNode)p.Key).Value!, ToJson(p.Value)))),
        YamlSequenceNode sequence => new JsonArray([.. sequence.Select(ToJson)]),
        YamlScalarNode scalar => Scalar(scalar),
        _ => null,
    };

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? string.Empty;
        if (scalar.Style is ScalarStyle.DoubleQuoted or ScalarStyle.SingleQuoted or ScalarStyle.Literal or ScalarStyle.Folded)
        {
            return text;
        }

        if (text is "true" or "false")
        {
            return text == "true";
        }

        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var integer))
        {
            return integer;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }

        return text is "null" or "~" or "" ? null : text;
    }

    private sealed class Context(string file)
    {
        public string File { get; } = file;

        public ConfigurationException Error(YamlNode node, string message) =>
            new(message, File, (int)node.Start.Line, (int)node.Start.Column, DiagnosticCodes.InvalidWorkflow);

        public string? String(YamlMappingNode map, string key) => Child(map, key) switch
        {
            null => null,
            YamlScalarNode scalar => scalar.Value,
            var other => throw Error(other, $"'{key}' must be a single value"),
        };

        public bool Bool(YamlMappingNode map, string key) => String(map, key) switch
        {
            null => false,
            "true" or "True" or "yes" => true,
            "false" or "False" or "no" => false,
            var other => throw Error(Child(map, key)!, $"'{key}' must be true or false, not '{other}'"),
        };

        public List<string> Strings(YamlNode node, string key) => node switch
        {
            YamlSequenceNode sequence => [.. sequence.Select(n => n is YamlScalarNode s ? s.Value ?? string.Empty : throw Error(n, $"each entry of '{key}' must be a single value"))],
            YamlScalarNode scalar => [scalar.Value ?? string.Empty],
            _ => throw Error(node, $"'{key}' must be a list"),
        };
    }
}
