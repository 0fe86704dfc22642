using System.Text.RegularExpressions;

namespace Gleitzeit.Batch.Workflows;

/// <summary><c>${task.response}</c> / <c>${task.result}</c> references between tasks.</summary>
public static partial class WorkflowReferences
{
    [GeneratedRegex(@"\$\{\s*([A-Za-z0-9_.\-]+?)\.(response|result)\s*\}")]
    private static partial Regex ReferencePattern();

    /// <summary>The task names or ids referenced in <paramref name="text"/>.</summary>
    public static IEnumerable<string> Find(string text) =>
        ReferencePattern().Matches(text).Select(m => m.Groups[1].Value);

    /// <summary>Replaces every reference with its task's text.</summary>
    /// <exception cref="KeyNotFoundException">A reference names a task without a text.</exception>
    public static string Substitute(string text, Func<string, string?> taskText) =>
        ReferencePattern().Replace(text, m => taskText(m.Groups[1].Value)
            ?? throw new KeyNotFoundException($"unresolvable reference {m.Value}: task '{m.Groups[1].Value}' has no result"));
}
