using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Gleitzeit.Batch.Serialization;

/// <summary>SHA-256 as lower-case hex, the one hash the engine writes down.</summary>
public static class Hashes
{
    /// <summary>Lower-case hex SHA-256 of bytes.</summary>
    public static string Sha256Hex(ReadOnlySpan<byte> bytes)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(bytes, hash);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>Lower-case hex SHA-256 of a string's UTF-8 bytes.</summary>
    public static string Sha256Hex(string text)
    {
        ArgumentNullException.ThrowIfNull(text);

        // Pooled, so hashing a large message does not leave a large-object-heap array behind per item.
        var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(text, buffer);
            return Sha256Hex(buffer.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
