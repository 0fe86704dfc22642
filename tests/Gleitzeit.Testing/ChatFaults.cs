namespace Gleitzeit.Testing;

/// <summary>The faults a chat test server has been told to inject, each for a number of chats matching its text.</summary>
internal sealed class ChatFaults
{
    private readonly List<Rule> _rules = [];
    private readonly Lock _lock = new();

    /// <summary>Injects <paramref name="fault"/> into the next <paramref name="times"/> chats whose user message contains <paramref name="match"/> (any chat when null).</summary>
    public void Add(ServerFault fault, int times, string? match)
    {
        lock (_lock)
        {
            _rules.Add(new Rule(fault, times, match));
        }
    }

    /// <summary>The fault for a chat with this user message, counted as used; null when none applies.</summary>
    public ServerFault? Take(string userContent)
    {
        lock (_lock)
        {
            var rule = _rules.FirstOrDefault(r => r.Remaining > 0 && (r.Match is null || userContent.Contains(r.Match, StringComparison.Ordinal)));
            if (rule is null)
            {
                return null;
            }

            rule.Remaining--;
            return rule.Fault;
        }
    }

    /// <summary>A reply's words as stream pieces (at least four, so faults after the second piece always happen).</summary>
    public static List<string> Pieces(string reply)
    {
        var words = reply.Split(' ');
        var pieces = new List<string>(words.Length + 3);
        for (var i = 0; i < words.Length; i++)
        {
            pieces.Add(i == 0 ? words[i] : " " + words[i]);
        }

        while (pieces.Count < 4)
        {
            pieces.Add(string.Empty);
        }

        return pieces;
    }

    private sealed class Rule(ServerFault fault, int times, string? match)
    {
        public ServerFault Fault { get; } = fault;

        public string? Match { get; } = match;

        public int Remaining { get; set; } = times;
    }
}
