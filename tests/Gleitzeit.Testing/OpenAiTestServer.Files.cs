using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Gleitzeit.Testing;

/// <summary>
/// OpenAI's Files API, as far as the Batch API needs it: <c>POST …/files</c> (multipart, <c>purpose: batch</c>),
/// <c>GET …/files/{id}</c>, <c>GET …/files/{id}/content</c>, <c>DELETE …/files/{id}</c>. Batches' output and error
/// files are ordinary files here (<c>purpose: batch_output</c>).
/// </summary>
public sealed partial class OpenAiTestServer
{
    private readonly ConcurrentDictionary<string, StoredFile> _files = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<UploadedFile> _uploads = new();
    private readonly ConcurrentQueue<string> _deletedFiles = new();

    /// <summary>The largest upload accepted, in bytes; larger ones get OpenAI's 400 <c>File is too large.</c> Default: 200 MB (209,715,200), the Batch API's limit.</summary>
    public long MaxBatchFileBytes
    {
        get;
        set { ArgumentOutOfRangeException.ThrowIfNegative(value); field = value; }
    } = 200L * 1024 * 1024;

    /// <summary>Every file uploaded (refused uploads excluded), in upload order: id, name, purpose and size.</summary>
    public IReadOnlyList<UploadedFile> Uploads => [.. _uploads];

    /// <summary>The ids of the files deleted through <c>DELETE …/files/{id}</c>, in order.</summary>
    public IReadOnlyList<string> FilesDeleted => [.. _deletedFiles];

    private async Task Upload(HttpContext context, LoggedRequest logged)
    {
        var request = context.Request;
        if (MultipartUpload.Boundary(request.ContentType) is not { } boundary)
        {
            await Refuse(context, logged, 400, OpenAiWire.Error(
                $"Invalid Content-Type header ({request.ContentType}), expected multipart/form-data. (HINT: If you're using curl, you can pass -H 'Content-Type: multipart/form-data')",
                "invalid_request_error",
                null));
            return;
        }

        await Hook(BatchApiStep.UploadReceived);
        MultipartUpload upload;
        try
        {
            upload = await MultipartUpload.ReadAsync(request.Body, boundary, MaxBatchFileBytes, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            if (!context.RequestAborted.IsCancellationRequested)
            {
                await Refuse(context, logged, 400, OpenAiWire.Error("The multipart/form-data body could not be parsed.", "invalid_request_error", null));
            }

            return;
        }

        if (UploadRefusal(upload) is { } refused)
        {
            await Refuse(context, logged, 400, refused);
            return;
        }

        var file = Store(upload.FileName!, "batch", upload.Content!);
        _uploads.Enqueue(new UploadedFile(file.Id, file.FileName, file.Purpose, file.Content.LongLength));
        await Hook(BatchApiStep.UploadStored);
        await Ok(context, logged, BatchWire.File(file));
    }

    /// <summary>Why OpenAI would refuse this upload; null when it takes it.</summary>
    private JsonObject? UploadRefusal(MultipartUpload upload)
    {
        if (upload.Purpose is null)
        {
            return OpenAiWire.Error("Missing required parameter: 'purpose'.", "invalid_request_error", "missing_required_parameter", "purpose");
        }

        if (upload.Purpose != "batch")
        {
            // OpenAI lists every purpose it knows; this server stores batch input only.
            return OpenAiWire.Error($"'{upload.Purpose}' is not one of ['batch'] - 'purpose'", "invalid_request_error", null, "purpose");
        }

        if (upload.FileName is null)
        {
            return OpenAiWire.Error("Missing required parameter: 'file'.", "invalid_request_error", "missing_required_parameter", "file");
        }

        if (upload.Length > MaxBatchFileBytes)
        {
            return OpenAiWire.Error("File is too large.", "invalid_request_error", null);
        }

        return upload.FileName.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase)
            ? null
            : OpenAiWire.Error("Invalid file format for Batch API. Must be .jsonl", "invalid_request_error", null);
    }

    /// <summary><c>GET …/files?purpose=</c>: the files, newest first (OpenAI's default order), those of one purpose when asked.</summary>
    private Task ListFiles(HttpContext context, LoggedRequest logged)
    {
        var purpose = context.Request.Query["purpose"].ToString();
        var files = _files.Values.Where(f => purpose.Length == 0 || f.Purpose == purpose).OrderByDescending(f => f.CreatedAt).ThenByDescending(f => f.Id, StringComparer.Ordinal);
        return Ok(context, logged, new JsonObject { ["object"] = "list", ["data"] = new JsonArray([.. files.Select(f => (JsonNode)BatchWire.File(f))]), ["has_more"] = false });
    }

    private Task GetFile(HttpContext context, LoggedRequest logged, string id) => _files.TryGetValue(id, out var file)
        ? Ok(context, logged, BatchWire.File(file))
        : Refuse(context, logged, 404, NoSuchFile(id));

    private async Task GetFileContent(HttpContext context, LoggedRequest logged, string id)
    {
        if (!_files.TryGetValue(id, out var file))
        {
            await Refuse(context, logged, 404, NoSuchFile(id));
            return;
        }

        logged.StatusCode = 200;
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/octet-stream";
        context.Response.ContentLength = file.Content.LongLength;
        await context.Response.Body.WriteAsync(file.Content, context.RequestAborted);
    }

    private Task DeleteFile(HttpContext context, LoggedRequest logged, string id)
    {
        if (!_files.TryRemove(id, out _))
        {
            return Refuse(context, logged, 404, NoSuchFile(id));
        }

        _deletedFiles.Enqueue(id);
        return Ok(context, logged, BatchWire.Deleted(id));
    }

    /// <summary>Keeps a file under a new id, created at <paramref name="createdAt"/> (default: now by the batch clock).</summary>
    private StoredFile Store(string fileName, string purpose, byte[] content, DateTimeOffset? createdAt = null)
    {
        var file = new StoredFile(NewId("file-", 24), fileName, purpose, content, createdAt ?? _batchClock.Now);
        _files[file.Id] = file;
        return file;
    }

    /// <summary>A fresh id: <paramref name="prefix"/> and the server's counter in <paramref name="digits"/> hex digits.</summary>
    private string NewId(string prefix, int digits) =>
        prefix + Interlocked.Increment(ref _ids).ToString("x" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static JsonObject NoSuchFile(string id) => OpenAiWire.Error($"No such File object: {id}", "invalid_request_error", null, "id");
}
