namespace Gleitzeit.Batch.Builds;

/// <summary>An error or warning about one file, in the canonical form MSBuild and IDEs annotate: <c>file: error GZ2004: message</c>.</summary>
/// <param name="IsError">Error, or warning.</param>
/// <param name="Code">GZ code.</param>
/// <param name="File">The file it is about.</param>
/// <param name="Message">What is wrong and what to do.</param>
public sealed record BuildDiagnostic(bool IsError, string Code, string File, string Message)
{
    public override string ToString() => $"{File}: {(IsError ? "error" : "warning")} {Code}: {Message}";
}
