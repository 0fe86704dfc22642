using System;
using System.IO;
using System.Text;

namespace Gleitzeit.Batch.Contract;

/// <summary>
/// A prompt kept in a file (<c>--prompt-file</c>, item metadata <c>PromptFile</c>): its UTF-8 text, without a byte-order
/// mark, with <c>\n</c> line ends and without the line ends at its end, so a file and <c>--prompt</c> with the same words
/// give the same prompt (and the same cache keys).
/// </summary>
public static class PromptFiles
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The prompt in <paramref name="path"/>.</summary>
    /// <exception cref="PromptFileException">The file is missing, cannot be read, is not UTF-8 or holds no prompt; the message names it.</exception>
    public static string Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new PromptFileException(path, $"prompt file {path} does not exist");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new PromptFileException(path, $"prompt file {path} cannot be read: {ex.Message}");
        }

        string text;
        try
        {
            var start = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0;
            text = Strict.GetString(bytes, start, bytes.Length - start);
        }
        catch (DecoderFallbackException)
        {
            throw new PromptFileException(path, $"prompt file {path} cannot be read: it is not UTF-8 text");
        }

        text = text.Replace("\r\n", "\n").Replace('\r', '\n').TrimEnd('\n');
        return text.Trim().Length == 0 ? throw new PromptFileException(path, $"prompt file {path} is empty: write the prompt in it", DiagnosticCodes.MissingPrompt) : text;
    }
}

/// <summary>A prompt file that cannot give a prompt: missing or unreadable (GZ3004), or empty (GZ1001).</summary>
public sealed class PromptFileException : Exception
{
    public PromptFileException(string path, string message, string code = DiagnosticCodes.FileNotFound)
        : base(message)
    {
        Path = path;
        Code = code;
    }

    public PromptFileException()
        : base("prompt file cannot be read")
    {
    }

    public PromptFileException(string message)
        : base(message)
    {
    }

    public PromptFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The prompt file, as given.</summary>
    public string Path { get; } = string.Empty;

    /// <summary>The diagnostic code.</summary>
    public string Code { get; } = DiagnosticCodes.FileNotFound;
}
