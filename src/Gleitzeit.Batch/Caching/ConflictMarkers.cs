namespace Gleitzeit.Batch.Caching;

/// <summary>
/// Splits a text with git merge-conflict markers (<c>&lt;&lt;&lt;&lt;&lt;&lt;&lt; ours</c>, an optional diff3
/// <c>||||||| base</c> section, <c>=======</c>, <c>&gt;&gt;&gt;&gt;&gt;&gt;&gt; theirs</c>, each at the start of a line)
/// into the two documents the merge had: the unconflicted lines with the ours hunks, and with the theirs hunks.
/// No line of a JSON document starts with one of those characters, so a marker cannot be mistaken for content.
/// </summary>
internal static class ConflictMarkers
{
    private const int Size = 7;

    /// <summary>Whether <paramref name="lines"/> hold any marker; the 1-based line of the first one.</summary>
    public static int? FirstMarker(IReadOnlyList<string> lines)
    {
        for (var i = 0; i < lines.Count; i++)
        {
            if (KindOf(lines[i]) != Marker.None)
            {
                return i + 1;
            }
        }

        return null;
    }

    /// <summary>The two sides, each as its lines and the 1-based line in the original that each came from.</summary>
    /// <exception cref="FormatException">The markers do not nest as git writes them (a start with no end…); the message names the line.</exception>
    public static (Side Ours, Side Theirs) Split(IReadOnlyList<string> lines)
    {
        var ours = new Side();
        var theirs = new Side();
        var state = Marker.None;
        var opened = 0;
        for (var i = 0; i < lines.Count; i++)
        {
            var marker = KindOf(lines[i]);
            (state, var keep) = (state, marker) switch
            {
                (Marker.None, Marker.None) => (Marker.None, Keep.Both),
                (Marker.None, Marker.Start) => (Marker.Start, Keep.Neither),
                (Marker.Start, Marker.None) => (Marker.Start, Keep.Ours),
                (Marker.Start, Marker.Base) => (Marker.Base, Keep.Neither),
                (Marker.Start or Marker.Base, Marker.Separator) => (Marker.Separator, Keep.Neither),
                (Marker.Base, Marker.None) => (Marker.Base, Keep.Neither),
                (Marker.Separator, Marker.None) => (Marker.Separator, Keep.Theirs),
                (Marker.Separator, Marker.End) => (Marker.None, Keep.Neither),
                _ => throw new FormatException($"an unexpected conflict marker at line {i + 1}"),
            };
            if (marker == Marker.Start)
            {
                opened = i + 1;
            }

            if (keep is Keep.Both or Keep.Ours)
            {
                ours.Add(lines[i], i + 1);
            }

            if (keep is Keep.Both or Keep.Theirs)
            {
                theirs.Add(lines[i], i + 1);
            }
        }

        return state == Marker.None ? (ours, theirs) : throw new FormatException($"the conflict opened at line {opened} has no end marker");
    }

    // A marker is seven of its character at the start of the line, then a space and a label, or nothing.
    private static Marker KindOf(string line)
    {
        if (line.Length < Size || (line.Length > Size && line[Size] != ' '))
        {
            return Marker.None;
        }

        var kind = line[0] switch
        {
            '<' => Marker.Start,
            '|' => Marker.Base,
            '=' => Marker.Separator,
            '>' => Marker.End,
            _ => Marker.None,
        };
        if (kind == Marker.None || line.AsSpan(0, Size).ContainsAnyExcept(line[0]))
        {
            return Marker.None;
        }

        return kind == Marker.Separator && line.AsSpan(Size).Trim().Length > 0 ? Marker.None : kind;
    }

    private enum Marker
    {
        None,
        Start,
        Base,
        Separator,
        End,
    }

    private enum Keep
    {
        Neither,
        Both,
        Ours,
        Theirs,
    }

    /// <summary>One side of a conflicted text.</summary>
    internal sealed class Side
    {
        private readonly List<string> _lines = [];
        private readonly List<int> _origins = [];

        /// <summary>The side as one text.</summary>
        public string Text => string.Join('\n', _lines);

        /// <summary>The 1-based line in the original of this side's 1-based <paramref name="line"/>.</summary>
        public int Origin(int line) => _origins.Count == 0 ? 1 : _origins[Math.Clamp(line - 1, 0, _origins.Count - 1)];

        public void Add(string line, int origin)
        {
            _lines.Add(line);
            _origins.Add(origin);
        }
    }
}
