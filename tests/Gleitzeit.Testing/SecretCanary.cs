using System.Text;

namespace Gleitzeit.Testing;

/// <summary>
/// A secret planted where a user would put one (an address's password, an API key), and a scan of everything a run
/// wrote and printed for it: the secret as written, URL-encoded, and in UTF-16.
/// </summary>
public sealed class SecretCanary
{
    /// <summary>A fresh secret, unlike any other text in a run.</summary>
    public SecretCanary()
        : this("gzcanary" + Guid.NewGuid().ToString("N")[..20])
    {
    }

    /// <summary>A given secret, e.g. a 2-character password (choose characters no run writes by itself, such as <c>Q~</c>).</summary>
    public SecretCanary(string value) => Value = value;

    /// <summary>The secret.</summary>
    public string Value { get; }

    /// <summary>Fails naming every file under <paramref name="roots"/> and every text in <paramref name="outputs"/> that holds the secret.</summary>
    public void AssertNowhere(IEnumerable<string> roots, params string?[] outputs)
    {
        ArgumentNullException.ThrowIfNull(roots);
        var found = new List<string>();
        var forms = Forms();
        var scanned = 0;
        foreach (var root in roots)
        {
            foreach (var file in FilesUnder(root))
            {
                scanned++;
                byte[] bytes;
                try
                {
                    bytes = File.ReadAllBytes(file);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    continue;
                }

                if (forms.Any(form => bytes.AsSpan().IndexOf(form) >= 0))
                {
                    found.Add(file);
                }
            }
        }

        for (var i = 0; i < outputs.Length; i++)
        {
            if (outputs[i] is { } text && forms.Any(form => Encoding.UTF8.GetBytes(text).AsSpan().IndexOf(form) >= 0))
            {
                found.Add($"output #{i + 1}");
            }
        }

        if (found.Count > 0)
        {
            throw new InvalidOperationException($"the secret was written to: {string.Join(", ", found)}");
        }

        if (scanned == 0)
        {
            throw new InvalidOperationException("no file was scanned: the roots are wrong, so the scan proves nothing");
        }
    }

    private List<byte[]> Forms() =>
    [
        Encoding.UTF8.GetBytes(Value),
        Encoding.UTF8.GetBytes(Uri.EscapeDataString(Value)),
        Encoding.Unicode.GetBytes(Value),
    ];

    private static IEnumerable<string> FilesUnder(string root)
    {
        if (File.Exists(root))
        {
            return [root];
        }

        return Directory.Exists(root)
            ? Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint })
            : [];
    }
}
