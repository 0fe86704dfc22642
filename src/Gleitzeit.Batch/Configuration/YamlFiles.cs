using Gleitzeit.Batch.Contract;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Gleitzeit.Batch.Configuration;

/// <summary>
/// Loads a YAML file: a syntax error becomes a <see cref="ConfigurationException"/> with file, line and column, and a
/// document whose aliases would expand past <see cref="MaxNodes"/> nodes or <see cref="MaxTextLength"/> characters
/// ("billion laughs") is refused before anything reads it.
/// </summary>
internal static class YamlFiles
{
    /// <summary>Most nodes a document may hold once its aliases are expanded.</summary>
    public const long MaxNodes = 100_000;

    /// <summary>Most characters of scalar text a document may hold once its aliases are expanded.</summary>
    public const long MaxTextLength = 16L * 1024 * 1024;

    /// <summary>Most levels of flow collections (<c>[</c>, <c>{</c>) or indentation a document may nest.</summary>
    public const int MaxDepth = 64;

    public static YamlStream Load(string file)
    {
        YamlStream yaml = [];
        try
        {
            using var reader = new StreamReader(file);
            if (reader.BaseStream.CanSeek && reader.BaseStream.Length > MaxTextLength)
            {
                throw new ConfigurationException(
                    $"YAML file too large: {reader.BaseStream.Length} bytes, over the {MaxTextLength / (1024 * 1024)} MiB a workflow or configuration may hold; it was not read (keep prompts in the file short, and name the documents with a pattern or a list instead of pasting them in)",
                    file,
                    code: DiagnosticCodes.InvalidYaml);
            }

            var text = reader.ReadToEnd();
            if (NestingTooDeep(text) is { } line)
            {
                // YamlDotNet's parser recurses per level: thousands of nested brackets overflow its stack or run for minutes.
                throw new ConfigurationException($"YAML nested more than {MaxDepth} levels deep: no workflow or configuration is; it was not read", file, line, 1, DiagnosticCodes.InvalidYaml);
            }

            yaml.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            throw new ConfigurationException($"invalid YAML: {ex.InnerException?.Message ?? ex.Message}", file, (int)ex.Start.Line, (int)ex.Start.Column, DiagnosticCodes.InvalidYaml);
        }

        foreach (var document in yaml.Documents)
        {
            var size = new Dictionary<YamlNode, (long Nodes, long Text)>(ReferenceEqualityComparer.Instance);
            var (nodes, text) = Measure(document.RootNode, size, [], file);
            if (nodes > MaxNodes || text > MaxTextLength)
            {
                // A node met twice is an alias's target: only then is the size the aliases' doing.
                var aliased = size.Count < Math.Min(nodes, MaxNodes);
                throw new ConfigurationException(
                    aliased
                        ? $"YAML too large once its aliases are expanded (more than {MaxNodes} nodes or {MaxTextLength / (1024 * 1024)} MiB of text): remove the repeated aliases"
                        : $"YAML too large: more than {MaxNodes} nodes or {MaxTextLength / (1024 * 1024)} MiB of text, more than a workflow or configuration holds; keep it to settings and prompts",
                    file,
                    (int)document.RootNode.Start.Line,
                    (int)document.RootNode.Start.Column,
                    DiagnosticCodes.InvalidYaml);
            }
        }

        return yaml;
    }

    // The line of the first place where brackets outside quotes and comments nest deeper than MaxDepth, or null.
    private static int? NestingTooDeep(string text)
    {
        var depth = 0;
        var line = 1;
        var quote = '\0';
        var comment = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\n')
            {
                line++;
                comment = false;
                continue;
            }

            if (comment)
            {
                continue;
            }

            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }

                continue;
            }

            switch (c)
            {
                case '#' when i == 0 || char.IsWhiteSpace(text[i - 1]):
                    comment = true;
                    break;
                case '"' or '\'' when i == 0 || text[i - 1] is ' ' or '[' or '{' or ',' or ':' or '\t' or '\n' or '-':
                    quote = c;
                    break;
                case '[' or '{':
                    if (++depth > MaxDepth)
                    {
                        return line;
                    }

                    break;
                case ']' or '}':
                    depth = Math.Max(0, depth - 1);
                    break;
            }
        }

        return null;
    }

    // Aliases make the node graph a DAG (or, with an alias to an ancestor, a cycle): sizes are memoised per node, and
    // counting stops as soon as the limit is passed, so even a billion laughs costs a few hundred steps.
    private static (long Nodes, long Text) Measure(YamlNode node, Dictionary<YamlNode, (long, long)> sizes, HashSet<YamlNode> path, string file)
    {
        if (sizes.TryGetValue(node, out var known))
        {
            return known;
        }

        if (!path.Add(node))
        {
            throw new ConfigurationException("invalid YAML: an alias refers to a node that contains it", file, (int)node.Start.Line, (int)node.Start.Column, DiagnosticCodes.InvalidYaml);
        }

        long nodes = 1;
        long text = 0;
        IEnumerable<YamlNode> children = node switch
        {
            YamlMappingNode map => map.Children.SelectMany(p => new[] { p.Key, p.Value }),
            YamlSequenceNode sequence => sequence.Children,
            _ => [],
        };
        if (node is YamlScalarNode scalar)
        {
            text = scalar.Value?.Length ?? 0;
        }

        foreach (var child in children)
        {
            var (childNodes, childText) = Measure(child, sizes, path, file);
            nodes = Math.Min(nodes + childNodes, MaxNodes + 1);
            text = Math.Min(text + childText, MaxTextLength + 1);
            if (nodes > MaxNodes || text > MaxTextLength)
            {
                break;
            }
        }

        path.Remove(node);
        sizes[node] = (nodes, text);
        return (nodes, text);
    }
}
