namespace Gleitzeit.Testing;

/// <summary>A file the OpenAI test server holds: an upload (<c>purpose: batch</c>) or a batch's output or error file (<c>batch_output</c>).</summary>
internal sealed record StoredFile(string Id, string FileName, string Purpose, byte[] Content, DateTimeOffset CreatedAt);
