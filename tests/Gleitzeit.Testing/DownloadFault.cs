namespace Gleitzeit.Testing;

/// <summary>A failure <see cref="FileDownloadServer"/> injects into a download.</summary>
public sealed record DownloadFault
{
    private DownloadFault(DownloadFaultKind kind, long bytes = 0, int statusCode = 0)
    {
        Kind = kind;
        Bytes = bytes;
        StatusCode = statusCode;
    }

    /// <summary>Corrupted content of the right length (every byte inverted): a SHA-256 check must fail.</summary>
    public static DownloadFault WrongBytes { get; } = new(DownloadFaultKind.WrongBytes);

    /// <summary>What the fault does.</summary>
    public DownloadFaultKind Kind { get; }

    /// <summary>For a cut or a stall: how many body bytes are sent first.</summary>
    public long Bytes { get; }

    /// <summary>For <see cref="DownloadFaultKind.Status"/>: the HTTP status sent instead of the content.</summary>
    public int StatusCode { get; }

    /// <summary>The headers and the first <paramref name="bytes"/> bytes of the body, then the connection is closed short of <c>Content-Length</c>.</summary>
    public static DownloadFault CutAfter(long bytes) => new(DownloadFaultKind.Cut, bytes: bytes);

    /// <summary>The headers and <paramref name="bytes"/> bytes of the body, then silence until the client gives up.</summary>
    public static DownloadFault StallAfter(long bytes) => new(DownloadFaultKind.Stall, bytes: bytes);

    /// <summary>An error status (e.g. 404, 500, 503) with a short text body instead of the content.</summary>
    public static DownloadFault Status(int statusCode) => new(DownloadFaultKind.Status, statusCode: statusCode);

    public override string ToString() => Kind switch
    {
        DownloadFaultKind.Cut => $"cut after {Bytes} bytes",
        DownloadFaultKind.Stall => $"stall after {Bytes} bytes",
        DownloadFaultKind.Status => $"status {StatusCode}",
        _ => "wrong bytes",
    };
}

/// <summary>The kinds of <see cref="DownloadFault"/>.</summary>
public enum DownloadFaultKind
{
    /// <summary>The connection is cut after some bytes.</summary>
    Cut,

    /// <summary>The body stops after some bytes; the connection stays open.</summary>
    Stall,

    /// <summary>An error status instead of the content.</summary>
    Status,

    /// <summary>Content of the right length with the wrong bytes.</summary>
    WrongBytes,
}

/// <summary>One request <see cref="FileDownloadServer"/> answered, logged when its answer ended.</summary>
/// <param name="Method">GET or HEAD.</param>
/// <param name="Path">The request path.</param>
/// <param name="Range">The <c>Range</c> header as sent, if any.</param>
/// <param name="Status">The status code answered.</param>
/// <param name="BytesSent">Body bytes written to the connection.</param>
/// <param name="Started">When the request arrived (UTC).</param>
/// <param name="Duration">From arrival until the answer ended (or was cut or abandoned).</param>
/// <param name="Fault">The fault injected, if any.</param>
/// <param name="Completed">Whether the whole answer was sent (false when cut, stalled or abandoned by the client).</param>
public sealed record DownloadRequest(string Method, string Path, string? Range, int Status, long BytesSent, DateTimeOffset Started, TimeSpan Duration, DownloadFault? Fault, bool Completed)
{
    /// <summary>When the answer ended (UTC).</summary>
    public DateTimeOffset Ended => Started + Duration;
}
