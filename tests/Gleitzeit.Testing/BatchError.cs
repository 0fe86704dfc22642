using System.Text.Json.Nodes;

namespace Gleitzeit.Testing;

/// <summary>One entry of a failed batch's <c>errors.data</c>: why validation refused the input file, and where.</summary>
/// <param name="Code">OpenAI's code, e.g. <c>invalid_json_line</c>, <c>duplicate_custom_id</c>, <c>too_many_tasks</c>.</param>
/// <param name="Message">The human-readable reason.</param>
/// <param name="Param">The field at fault (<c>url</c>, <c>body.model</c>), if any.</param>
/// <param name="Line">The 1-based line of the input file, if the error is about one.</param>
internal readonly record struct BatchError(string Code, string Message, string? Param, int? Line)
{
    /// <summary><c>{"code","message","param","line"}</c>.</summary>
    public JsonObject ToJson() => new() { ["code"] = Code, ["message"] = Message, ["param"] = Param, ["line"] = Line };
}
