using System.Globalization;

namespace Gleitzeit.Testing;

/// <summary>The single-range subset of HTTP range requests (RFC 9110 §14) that <see cref="FileDownloadServer"/> serves.</summary>
internal static class ByteRange
{
    /// <summary>
    /// What to send for a <c>Range</c> header: the whole content (<c>Partial</c> false) when there is no usable
    /// range, when <c>If-Range</c> does not match, or for several ranges (which a server may ignore); one range when
    /// it is satisfiable; null for <c>416</c>.
    /// </summary>
    public static (long Start, long Length, bool Partial)? Select(string? range, string? ifRange, long length, string? etag, DateTimeOffset? lastModified)
    {
        var whole = (0L, length, false);
        if (string.IsNullOrWhiteSpace(range) || !IfRangeMatches(ifRange, etag, lastModified))
        {
            return whole;
        }

        var equals = range.IndexOf('=', StringComparison.Ordinal);
        if (equals < 0 || !range[..equals].Trim().Equals("bytes", StringComparison.OrdinalIgnoreCase))
        {
            return whole; // a unit we do not know: ignore the header
        }

        var spec = range[(equals + 1)..].Trim();
        if (spec.Contains(',', StringComparison.Ordinal))
        {
            return whole;
        }

        var dash = spec.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            return whole;
        }

        var first = spec[..dash].Trim();
        var last = spec[(dash + 1)..].Trim();
        if (first.Length == 0)
        {
            // bytes=-N: the last N bytes.
            if (!TryParse(last, out var suffix))
            {
                return whole;
            }

            return suffix == 0 || length == 0 ? null : (length - Math.Min(suffix, length), Math.Min(suffix, length), true);
        }

        if (!TryParse(first, out var start))
        {
            return whole;
        }

        var end = length - 1;
        if (last.Length > 0)
        {
            if (!TryParse(last, out var requestedEnd) || requestedEnd < start)
            {
                return whole; // invalid: ignore
            }

            end = Math.Min(requestedEnd, length - 1);
        }

        return start >= length ? null : (start, end - start + 1, true);
    }

    // If-Range names the representation the client already has part of: an entity tag (strong comparison) or a date.
    private static bool IfRangeMatches(string? ifRange, string? etag, DateTimeOffset? lastModified)
    {
        if (string.IsNullOrWhiteSpace(ifRange))
        {
            return true;
        }

        var value = ifRange.Trim();
        if (value.StartsWith('"') || value.StartsWith("W/", StringComparison.Ordinal))
        {
            return etag is not null && value == etag;
        }

        return lastModified is not null
            && DateTimeOffset.TryParseExact(value, "R", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
            && date.ToUnixTimeSeconds() == lastModified.Value.ToUnixTimeSeconds();
    }

    private static bool TryParse(string digits, out long value) =>
        long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out value);
}
