namespace Gleitzeit.Batch.Contract;

/// <summary>How a setting's text is read; each kind has one parser and one message for a bad value.</summary>
public enum SettingKind
{
    /// <summary>Non-empty text, trimmed.</summary>
    Text,

    /// <summary>A whole number within the row's range.</summary>
    Integer,

    /// <summary>A size in bytes: <c>1048576</c>, <c>512KB</c>, <c>2MB</c>, <c>1GiB</c>; whole bytes within the range.</summary>
    Size,

    /// <summary>Seconds as a positive number within the range, e.g. <c>120</c> or <c>1.5</c>.</summary>
    Seconds,

    /// <summary>One of the row's choices, case-insensitively; the value is the choice as the row spells it.</summary>
    Choice,

    /// <summary>An http:// or https:// address; <c>host</c> and <c>host:port</c> get <c>http://</c> and the row's default port.</summary>
    Address,

    /// <summary>One or more addresses separated by <c>;</c> (or a YAML list); the value is a string array.</summary>
    AddressList,

    /// <summary>A file system path; <c>~</c> is the user's home; relative to the layer's base directory.</summary>
    Path,

    /// <summary><c>true</c> or <c>false</c>.</summary>
    Boolean,

    /// <summary>Some of the row's choices, separated by <c>;</c> or <c>,</c>; the value is a string array.</summary>
    ChoiceList,

    /// <summary>A date (<c>2026-11-01</c>, ISO 8601) or an age before now (<c>7d</c>, <c>12h</c>, <c>90m</c>).</summary>
    DateOrAge,

    /// <summary><c>auto</c> or a whole number within the range.</summary>
    AutoOrInteger,

    /// <summary>A regular expression (.NET syntax) that compiles; the value is its text.</summary>
    Pattern,

    /// <summary>A number from 0 to 1, such as <c>0.8</c>; the value is a <see cref="double"/>.</summary>
    Fraction,
}
