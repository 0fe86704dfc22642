namespace Gleitzeit.Batch.Contract;

/// <summary>
/// Diagnostic codes by family: GZ1xxx configuration, GZ2xxx model server, GZ3xxx inputs and outputs, GZ4xxx the run
/// itself (cancelled, already running). docs/diagnostics.md lists every one.
/// </summary>
public static class DiagnosticCodes
{
    /// <summary>A required prompt is missing.</summary>
    public const string MissingPrompt = "GZ1001";

    /// <summary>An invalid setting, property, option or argument.</summary>
    public const string InvalidSetting = "GZ1002";

    /// <summary>Invalid YAML (configuration or workflow).</summary>
    public const string InvalidYaml = "GZ1003";

    /// <summary>A workflow task that cannot run (unsupported protocol, unknown reference, cycle).</summary>
    public const string InvalidWorkflow = "GZ1004";

    /// <summary>The package cannot run here (old MSBuild, no runtime for the worker, worker missing, no llama.cpp build for this machine).</summary>
    public const string CannotRunHere = "GZ1005";

    /// <summary>An OpenAI-compatible provider has no API key: the environment variable that should hold it is not set.</summary>
    public const string MissingApiKey = "GZ1006";

    /// <summary>Two items, batches or workflows would write one file (an artifact or an OutputFile), or one file is in a batch twice with different metadata.</summary>
    public const string OutputCollision = "GZ1007";

    /// <summary>An item's OutputFile would overwrite an input of the build (its own document, the project, a workflow or a schema).</summary>
    public const string OutputOverwritesInput = "GZ1008";

    /// <summary>The model server cannot be reached.</summary>
    public const string ServerUnreachable = "GZ2001";

    /// <summary>The model is not on the server (<c>ollama pull</c> it).</summary>
    public const string ModelNotFound = "GZ2002";

    /// <summary>A generation timed out (first chunk, stall or per-file limit) after every retry.</summary>
    public const string Timeout = "GZ2003";

    /// <summary>The server failed (5xx, busy, error mid-stream, stream cut short) after every retry.</summary>
    public const string ServerError = "GZ2004";

    /// <summary>The server rejected the request (4xx): not retried.</summary>
    public const string RequestRejected = "GZ2005";

    /// <summary>The server kept refusing with 429 past <c>rate_limit_wait</c> (or asked to wait longer): the rest of the batch is resumable.</summary>
    public const string RateLimited = "GZ2006";

    /// <summary>The server refused the API key (401, 403): no further request is sent.</summary>
    public const string KeyRefused = "GZ2007";

    /// <summary>A local model could not be downloaded or does not match its SHA-256; nothing was sent.</summary>
    public const string ModelDownloadFailed = "GZ2008";

    /// <summary>The answer was cut at the output limit (<c>max_tokens</c>, <c>num_predict</c>, the context window): not kept.</summary>
    public const string AnswerCut = "GZ2009";

    /// <summary>The service's content filter withheld or cut the answer: not kept.</summary>
    public const string AnswerFiltered = "GZ2010";

    /// <summary>The model answered nothing (empty text, or only a tool call): not kept.</summary>
    public const string AnswerEmpty = "GZ2011";

    /// <summary>The service's account has no credit left (OpenAI's 429 <c>insufficient_quota</c>): the batch stops, its answers so far kept.</summary>
    public const string OutOfCredit = "GZ2012";

    /// <summary>Requests went to the Batch API (<c>execution: bulk</c>): a later run or build collects the answers. An error in a Locked build.</summary>
    public const string BulkSubmitted = "GZ2013";

    /// <summary>The Batch API returned no answer for a request (failed, expired or cancelled), after the bounded re-submissions.</summary>
    public const string BulkFailed = "GZ2014";

    /// <summary>A file over the size limit was skipped.</summary>
    public const string FileTooLarge = "GZ3001";

    /// <summary>A file is not UTF-8 text or a supported image, or not a regular file (a FIFO, socket or device).</summary>
    public const string InvalidFileFormat = "GZ3002";

    /// <summary>A cache miss in Locked mode: the model was not called.</summary>
    public const string LockedCacheMiss = "GZ3003";

    /// <summary>A file or directory does not exist or cannot be read (or, in bulk mode, changed after the run keyed it).</summary>
    public const string FileNotFound = "GZ3004";

    /// <summary>An output (artifact, export, record, cache entry) could not be written.</summary>
    public const string OutputWriteFailed = "GZ3005";

    /// <summary>Verify mode: an artifact is not what its inputs give now (an input, prompt, model or option changed, or an item failed).</summary>
    public const string ArtifactNotCurrent = "GZ3006";

    /// <summary>A prompt longer than the model's context window: it would be truncated, so it is not sent.</summary>
    public const string PromptTooLong = "GZ3007";

    /// <summary>An empty or whitespace-only file was skipped.</summary>
    public const string EmptyFile = "GZ3008";

    /// <summary>A committed artifact holds Git merge-conflict markers: a normal build resolves it, Locked and verify builds fail.</summary>
    public const string ArtifactConflicted = "GZ3009";

    /// <summary>A committed artifact cannot be read (not a Gleitzeit JSON artifact): its answers are not used.</summary>
    public const string ArtifactUnreadable = "GZ3010";

    /// <summary>A document needs a password: an encrypted PDF, a password-protected or legacy binary Office file.</summary>
    public const string DocumentProtected = "GZ3011";

    /// <summary>A PDF without a text layer (scanned pages): nothing to send without OCR.</summary>
    public const string DocumentNoText = "GZ3012";

    /// <summary>A document that is damaged and cannot be read.</summary>
    public const string DocumentDamaged = "GZ3013";

    /// <summary>A document over an extraction limit (pages, unpacked size or ratio, extracted characters, time): skipped.</summary>
    public const string DocumentOverLimit = "GZ3014";

    /// <summary>The run was cancelled (Ctrl+C, SIGTERM, or the build that started the worker ended); finished items are kept.</summary>
    public const string Cancelled = "GZ4001";

    /// <summary>Another process is running the same batch.</summary>
    public const string BatchBusy = "GZ4002";

    /// <summary>The token budget (<c>max_tokens_total</c>) would be or was exceeded: nothing (more) was sent; the rest resumes.</summary>
    public const string TokenBudgetExceeded = "GZ4003";

    /// <summary>An answer failed one of its batch's checks (max_words, must_match, require_json…): a warning, or an error with checks_fail: error.</summary>
    public const string CheckFailed = "GZ5001";

    /// <summary>The judge scored an answer under min_score (or failed it): a warning, or an error with checks_fail: error.</summary>
    public const string JudgeScoreLow = "GZ5002";

    /// <summary>The judge gave no verdict: its answer was not the asked JSON, or the call failed. Always an error; asked again next run.</summary>
    public const string JudgeFailed = "GZ5003";
}
