using System;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Gleitzeit.Batch.Contract;

/// <summary>
/// An error or warning about a file, and its one canonical line, <c>file(line,col): error GZxxxx: message</c>, which
/// MSBuild, IDEs and CI problem matchers read. The engine, the CLI, the build worker and the MSBuild task all format
/// (and the task parses) diagnostics here.
/// </summary>
public sealed class Diagnostic
{
    private static readonly Regex Canonical = new(
        @"^(?<file>.+?)(?:\((?<line>\d+)(?:,(?<column>\d+))?\))?: (?<severity>error|warning) (?<code>GZ\d{4}): (?<message>.*)$",
        RegexOptions.CultureInvariant);

    public Diagnostic(DiagnosticSeverity severity, string code, string file, string message, int line = 0, int column = 0)
    {
        Severity = severity;
        Code = code;
        File = file;
        Message = message;
        Line = line;
        Column = column;
    }

    public DiagnosticSeverity Severity { get; }

    public bool IsError => Severity == DiagnosticSeverity.Error;

    /// <summary>A GZ code (<see cref="DiagnosticCodes"/>).</summary>
    public string Code { get; }

    /// <summary>The file it is about; a program name (<c>gleitzeit</c>) when it is about no file.</summary>
    public string File { get; }

    /// <summary>What is wrong and what to do.</summary>
    public string Message { get; }

    /// <summary>1-based line, or 0 when unknown.</summary>
    public int Line { get; }

    /// <summary>1-based column, or 0 when unknown.</summary>
    public int Column { get; }

    /// <summary>An error.</summary>
    public static Diagnostic Error(string code, string file, string message, int line = 0, int column = 0) =>
        new(DiagnosticSeverity.Error, code, file, message, line, column);

    /// <summary>A warning.</summary>
    public static Diagnostic Warning(string code, string file, string message, int line = 0, int column = 0) =>
        new(DiagnosticSeverity.Warning, code, file, message, line, column);

    /// <summary>Reads a canonical line back; false for any other line.</summary>
    public static bool TryParse(string line, out Diagnostic? diagnostic)
    {
        diagnostic = null;
        var match = Canonical.Match(line ?? string.Empty);
        if (!match.Success)
        {
            return false;
        }

        diagnostic = new Diagnostic(
            match.Groups["severity"].Value == "error" ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
            match.Groups["code"].Value,
            match.Groups["file"].Value,
            match.Groups["message"].Value,
            match.Groups["line"].Success ? int.Parse(match.Groups["line"].Value, CultureInfo.InvariantCulture) : 0,
            match.Groups["column"].Success ? int.Parse(match.Groups["column"].Value, CultureInfo.InvariantCulture) : 0);
        return true;
    }

    /// <summary>Text made safe for one line: control characters (a newline in a file name, say) shown escaped.</summary>
    public static string OneLine(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        var builder = new StringBuilder(text!.Length);
        foreach (var c in text)
        {
            switch (c)
            {
                case '\n':
                    builder.Append("\\n");
                    break;
                case '\r':
                    builder.Append("\\r");
                    break;
                case '\t':
                    builder.Append("\\t");
                    break;
                default:
                    if (char.IsControl(c))
                    {
                        builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        return builder.ToString();
    }

    /// <summary>The canonical line.</summary>
    public override string ToString()
    {
        var position = Line > 0 ? Column > 0 ? $"({Line},{Column})" : $"({Line})" : string.Empty;
        return $"{OneLine(File)}{position}: {(IsError ? "error" : "warning")} {Code}: {OneLine(Message)}";
    }
}

/// <summary>Error or warning.</summary>
public enum DiagnosticSeverity
{
    Error,
    Warning,
}
