namespace Gleitzeit.Cli.Rendering;

/// <summary>How much a command says, as <c>dotnet</c>'s own commands spell it: <c>-v q[uiet]|m[inimal]|n[ormal]|d[etailed]|diag[nostic]</c>.</summary>
internal enum Verbosity
{
    /// <summary>Errors and the final result only.</summary>
    Quiet,

    /// <summary>Also warnings and retries; no title, no line per item.</summary>
    Minimal,

    /// <summary>The default: the title, a line per finished item (or the live display on a terminal), the summary.</summary>
    Normal,

    /// <summary>Also a line per item sent; plain lines even on a terminal.</summary>
    Detailed,

    /// <summary>Detailed, and errors with their stack traces (as <c>--verbose</c>).</summary>
    Diagnostic,
}

/// <summary>The names <c>--verbosity</c> accepts.</summary>
internal static class Verbosities
{
    public static readonly string[] Names = ["q", "quiet", "m", "minimal", "n", "normal", "d", "detailed", "diag", "diagnostic"];

    public static Verbosity Parse(string name) => name switch
    {
        "q" or "quiet" => Verbosity.Quiet,
        "m" or "minimal" => Verbosity.Minimal,
        "d" or "detailed" => Verbosity.Detailed,
        "diag" or "diagnostic" => Verbosity.Diagnostic,
        _ => Verbosity.Normal,
    };
}
