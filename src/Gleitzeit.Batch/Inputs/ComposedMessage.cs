namespace Gleitzeit.Batch.Inputs;

/// <summary>A message exactly as the model receives it.</summary>
/// <param name="Role"><c>system</c>, <c>user</c> or <c>assistant</c>.</param>
/// <param name="Content">The full text.</param>
/// <param name="Images">Attached images (sent as plain base64).</param>
public sealed record ComposedMessage(string Role, string Content, IReadOnlyList<ImageAttachment> Images);

/// <summary>An image attached to a message.</summary>
/// <param name="Bytes">The image file's bytes.</param>
/// <param name="MediaType">From the magic bytes, e.g. <c>image/png</c>.</param>
/// <param name="Sha256">Hash of <paramref name="Bytes"/>, what the cache key records instead of the data.</param>
public sealed record ImageAttachment(ReadOnlyMemory<byte> Bytes, string MediaType, string Sha256);
