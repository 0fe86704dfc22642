using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Gleitzeit.Batch.Contract;

/// <summary>
/// Reads a setting's text by its row's kind and range: one parser and one message per kind, whichever layer the
/// text came from. Values: <see cref="string"/> (text, choice, address, path), <see cref="long"/> (integer, size),
/// <see cref="TimeSpan"/> (seconds), <see cref="bool"/>, <see cref="string"/>[] (choice list),
/// <see cref="DateTimeOffset"/> (date or age) and, for auto-or-integer, <c>null</c> (auto) or <see cref="long"/>.
/// </summary>
public static class SettingParser
{
    /// <summary>The message for a bad value, e.g. <c>invalid value 'abc' for --concurrency: expected a whole number from 1 to 1024</c>.</summary>
    public static string InvalidValue(SettingDefinition setting, string spelling, string text) =>
        $"invalid value '{Shorten(Secrets.Redact(text ?? string.Empty))}' for {spelling}: {Expectation(setting)}";

    /// <summary>What a valid value looks like.</summary>
    public static string Expectation(SettingDefinition setting)
    {
        switch (setting.Kind)
        {
            case SettingKind.Integer:
                return $"expected a whole number from {Number(setting.Minimum)} to {Number(setting.Maximum)}";
            case SettingKind.AutoOrInteger:
                return $"expected auto or a whole number from {Number(setting.Minimum)} to {Number(setting.Maximum)}";
            case SettingKind.Size:
                return $"expected a whole number of bytes from {Size((long)setting.Minimum)} to {Size((long)setting.Maximum)}, such as 1048576, 512KB or 2MB";
            case SettingKind.Seconds:
                return $"expected a number of seconds greater than 0 and at most {Number(setting.Maximum)}";
            case SettingKind.Choice:
                return "expected " + Alternatives(setting.Choices, "or");
            case SettingKind.ChoiceList:
                return "expected one or more of " + string.Join(", ", setting.Choices) + ", separated by ';'";
            case SettingKind.Address:
                return $"expected an http:// or https:// address such as http://localhost:{(setting.DefaultPort == 0 ? 80 : setting.DefaultPort)}";
            case SettingKind.AddressList:
                return "expected one or more http:// or https:// addresses separated by ';', such as http://localhost:11434";
            case SettingKind.Boolean:
                return "expected true or false";
            case SettingKind.Pattern:
                return "expected a regular expression (.NET syntax) that compiles, such as ^[A-Z]";
            case SettingKind.Fraction:
                return "expected a number from 0 to 1, such as 0.8";
            case SettingKind.DateOrAge:
                return "expected a date such as 2026-11-01 (ISO 8601) or an age such as 7d, 12h or 90m";
            default:
                return "expected a value that is not empty";
        }
    }

    /// <summary>Reads <paramref name="text"/> as <paramref name="setting"/>'s kind; false with <paramref name="error"/> (an expectation) when it is not one.</summary>
    public static bool TryParse(SettingDefinition setting, string text, DateTimeOffset now, out object? value, out string? error)
    {
        if (setting is null)
        {
            throw new ArgumentNullException(nameof(setting));
        }

        value = null;
        error = null;
        var trimmed = (text ?? string.Empty).Trim();
        var parsed = setting.Kind switch
        {
            SettingKind.Text => trimmed.Length > 0 ? trimmed : null,
            SettingKind.Integer => Integer(setting, trimmed),
            SettingKind.AutoOrInteger => string.Equals(trimmed, "auto", StringComparison.OrdinalIgnoreCase) ? Auto : Integer(setting, trimmed),
            SettingKind.Size => ParseSize(setting, trimmed),
            SettingKind.Seconds => Seconds(setting, trimmed),
            SettingKind.Choice => setting.Choices.FirstOrDefault(c => string.Equals(c, trimmed, StringComparison.OrdinalIgnoreCase)),
            SettingKind.ChoiceList => Choices(setting, trimmed),
            SettingKind.Address => Address(setting, trimmed),
            SettingKind.AddressList => AddressList(setting, trimmed),
            SettingKind.Path => trimmed.Length > 0 && trimmed.IndexOf('\0') < 0 ? trimmed : null,
            SettingKind.Boolean => Boolean(trimmed),
            SettingKind.DateOrAge => DateOrAge(trimmed, now),
            SettingKind.Pattern => Pattern(trimmed),
            SettingKind.Fraction => Fraction(trimmed),
            _ => null,
        };
        if (parsed is null)
        {
            error = Expectation(setting);
            return false;
        }

        value = ReferenceEquals(parsed, Auto) ? null : parsed;
        return true;
    }

    /// <summary>Parses a size such as <c>1048576</c>, <c>512KB</c>, <c>2MB</c> or <c>1GiB</c> into whole bytes; null when it is not one.</summary>
    public static long? ParseBytes(string text)
    {
        var upper = (text ?? string.Empty).Trim().ToUpperInvariant().Replace("IB", "B");
        long factor = 1;
        string number = upper;
        foreach (var (suffix, multiplier) in Units)
        {
            if (upper.EndsWith(suffix, StringComparison.Ordinal))
            {
                number = upper.Substring(0, upper.Length - suffix.Length).Trim();
                factor = multiplier;
                break;
            }
        }

        if (!decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
        {
            return null;
        }

        try
        {
            var bytes = amount * factor;
            return bytes == decimal.Truncate(bytes) && bytes <= long.MaxValue ? (long)bytes : null;
        }
        catch (OverflowException)
        {
            return null;
        }
    }

    /// <summary>A size as people read it: <c>1 MiB</c>, <c>512 KiB</c>, <c>7 bytes</c>.</summary>
    public static string Size(long bytes)
    {
        if (bytes >= 1L << 30 && bytes % (1L << 30) == 0)
        {
            return $"{bytes >> 30} GiB";
        }

        if (bytes >= 1L << 20 && bytes % (1L << 20) == 0)
        {
            return $"{bytes >> 20} MiB";
        }

        if (bytes >= 1L << 10 && bytes % (1L << 10) == 0)
        {
            return $"{bytes >> 10} KiB";
        }

        return bytes == 1 ? "1 byte" : $"{bytes.ToString(CultureInfo.InvariantCulture)} bytes";
    }

    /// <summary>Normalises an address the way <c>OLLAMA_HOST</c> is read: scheme and port optional; null when it is not an http(s) address.</summary>
    public static string? NormalizeAddress(string text, int defaultPort)
    {
        var value = (text ?? string.Empty).Trim().TrimEnd('/');
        if (value.Length == 0 || value.Any(char.IsWhiteSpace))
        {
            return null;
        }

        if (value.IndexOf("://", StringComparison.Ordinal) < 0)
        {
            value = "http://" + value;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https") || uri.Host.Length == 0)
        {
            return null;
        }

        var authority = value.Substring(value.IndexOf("://", StringComparison.Ordinal) + 3);
        var slash = authority.IndexOf('/');
        var hostPart = slash < 0 ? authority : authority.Substring(0, slash);
        var afterUserInfo = hostPart.Substring(hostPart.LastIndexOf('@') + 1);
        var hasPort = afterUserInfo.StartsWith("[", StringComparison.Ordinal)
            ? afterUserInfo.IndexOf("]:", StringComparison.Ordinal) >= 0
            : afterUserInfo.IndexOf(':') >= 0;
        if (!hasPort && defaultPort > 0 && uri.IsDefaultPort && uri.Scheme == "http")
        {
            var builder = new UriBuilder(uri) { Port = defaultPort };
            value = builder.Uri.GetComponents(UriComponents.AbsoluteUri, UriFormat.UriEscaped).TrimEnd('/');
        }

        // A server's listen address (OLLAMA_HOST=0.0.0.0 is how Ollama is told to listen everywhere) names no host to
        // connect to; like Ollama's own client, connect to this machine.
        if (uri.Host is "0.0.0.0" or "[::]" or "::")
        {
            var builder = new UriBuilder(value) { Host = uri.Host == "0.0.0.0" ? "127.0.0.1" : "[::1]" };
            value = builder.Uri.GetComponents(UriComponents.AbsoluteUri, UriFormat.UriEscaped).TrimEnd('/');
        }

        return value;
    }

    private static readonly object Auto = new();

    private static readonly (string Suffix, long Multiplier)[] Units =
    [
        ("KB", 1024L), ("MB", 1024L * 1024), ("GB", 1024L * 1024 * 1024), ("K", 1024L), ("M", 1024L * 1024), ("G", 1024L * 1024 * 1024), ("B", 1L),
    ];

    private static object? Integer(SettingDefinition setting, string text) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) && number >= setting.Minimum && number <= setting.Maximum
            ? number
            : null;

    private static object? ParseSize(SettingDefinition setting, string text) =>
        ParseBytes(text) is long bytes && bytes >= setting.Minimum && bytes <= setting.Maximum ? bytes : null;

    private static object? Seconds(SettingDefinition setting, string text) =>
        double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds)
        && seconds > 0 && seconds >= setting.Minimum && seconds <= setting.Maximum
            ? TimeSpan.FromTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond))
            : null;

    private static object? Choices(SettingDefinition setting, string text)
    {
        var chosen = new List<string>();
        foreach (var part in text.Split([';', ','], StringSplitOptions.RemoveEmptyEntries))
        {
            var name = part.Trim();
            if (name.Length == 0)
            {
                continue;
            }

            var choice = setting.Choices.FirstOrDefault(c => string.Equals(c, name, StringComparison.OrdinalIgnoreCase));
            if (choice is null)
            {
                return null;
            }

            if (!chosen.Contains(choice))
            {
                chosen.Add(choice);
            }
        }

        return chosen.Count == 0 ? null : chosen.ToArray();
    }

    private static object? Address(SettingDefinition setting, string text) => NormalizeAddress(text, setting.DefaultPort);

    private static object? AddressList(SettingDefinition setting, string text)
    {
        var addresses = new List<string>();
        foreach (var part in text.Split([';', '\n'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.Trim().Length == 0)
            {
                continue;
            }

            var address = NormalizeAddress(part, setting.DefaultPort);
            if (address is null)
            {
                return null;
            }

            if (!addresses.Contains(address))
            {
                addresses.Add(address);
            }
        }

        return addresses.Count == 0 ? null : addresses.ToArray();
    }

    /// <summary>A check's regular expression, as every layer compiles it: a bound on its time, so a pathological one cannot hang a run.</summary>
    public static System.Text.RegularExpressions.Regex Compile(string pattern) =>
        new(pattern, System.Text.RegularExpressions.RegexOptions.CultureInvariant, TimeSpan.FromSeconds(2));

    private static object? Pattern(string text)
    {
        if (text.Length == 0)
        {
            return null;
        }

        try
        {
            Compile(text);
            return text;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static object? Fraction(string text) =>
        double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number) && number >= 0 && number <= 1 ? number : null;

    private static object? Boolean(string text)
    {
        if (string.Equals(text, "true", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return string.Equals(text, "false", StringComparison.OrdinalIgnoreCase) ? false : null;
    }

    private static object? DateOrAge(string text, DateTimeOffset now)
    {
        if (text.Length > 1 && double.TryParse(text.Substring(0, text.Length - 1), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount) && amount >= 0 && amount <= 100_000)
        {
            switch (char.ToLowerInvariant(text[text.Length - 1]))
            {
                case 'd':
                    return now - TimeSpan.FromDays(amount);
                case 'h':
                    return now - TimeSpan.FromHours(amount);
                case 'm':
                    return now - TimeSpan.FromMinutes(amount);
                case 's':
                    return now - TimeSpan.FromSeconds(amount);
            }
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var date) ? date : null;
    }

    private static string Alternatives(IReadOnlyList<string> choices, string conjunction) =>
        choices.Count <= 1 ? string.Join(string.Empty, choices) : string.Join(", ", choices.Take(choices.Count - 1)) + $" {conjunction} " + choices[choices.Count - 1];

    private static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Shorten(string text) => text.Length <= 80 ? text : text.Substring(0, 77) + "...";
}
