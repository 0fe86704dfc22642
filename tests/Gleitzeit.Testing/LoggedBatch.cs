namespace Gleitzeit.Testing;

/// <summary>One file uploaded to the OpenAI test server's <c>POST …/files</c>.</summary>
/// <param name="Id">The file's id (<c>file-…</c>).</param>
/// <param name="FileName">The name the upload gave.</param>
/// <param name="Purpose">The <c>purpose</c> field (always <c>batch</c>: others are refused).</param>
/// <param name="Bytes">The file's size.</param>
public sealed record UploadedFile(string Id, string FileName, string Purpose, long Bytes);

/// <summary>One batch created at the OpenAI test server's <c>POST …/batches</c>.</summary>
/// <param name="Id">The batch's id (<c>batch_…</c>).</param>
/// <param name="InputFileId">The <c>input_file_id</c> it names.</param>
/// <param name="Endpoint">The <c>endpoint</c> it names.</param>
/// <param name="Metadata">The <c>metadata</c> it carries, if any.</param>
public sealed record CreatedBatch(string Id, string InputFileId, string Endpoint, IReadOnlyDictionary<string, string>? Metadata);

/// <summary>A step of a submission to the Batch API, where <see cref="OpenAiTestServer.BatchHook"/> is called.</summary>
public enum BatchApiStep
{
    /// <summary>An upload's request arrived; its body is not read yet.</summary>
    UploadReceived,

    /// <summary>An upload is stored; the answer with its id is not sent yet.</summary>
    UploadStored,

    /// <summary>A batch create arrived; the batch does not exist yet.</summary>
    CreateReceived,

    /// <summary>A batch exists; the answer with its id is not sent yet.</summary>
    BatchCreated,
}
