using System.Text.RegularExpressions;

namespace Gleitzeit.Batch.Workflows;

/// <summary>Which plain YAML scalars are not strings under the YAML 1.1 and 1.2 core resolvers.</summary>
internal static partial class YamlScalars
{
    /// <summary>True when <paramref name="value"/> written plain would be read as a null, boolean or number.</summary>
    public static bool ReadsAsNonString(string value) => value.Length == 0 || NonString().IsMatch(value);

    [GeneratedRegex(
        """
        ^(?:~|null|Null|NULL
        |true|True|TRUE|false|False|FALSE
        |y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF
        |[-+]?[0-9_]+
        |0o[0-7_]+|0x[0-9a-fA-F_]+|0b[01_]+
        |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?
        |[-+]?(?:\.[0-9_]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)
        )$
        """,
        RegexOptions.IgnorePatternWhitespace | RegexOptions.CultureInvariant)]
    private static partial Regex NonString();
}
