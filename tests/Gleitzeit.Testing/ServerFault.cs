namespace Gleitzeit.Testing;

/// <summary>A failure the test server injects into <c>/api/chat</c>.</summary>
public enum ServerFault
{
    /// <summary>HTTP 500 with an Ollama error body.</summary>
    InternalError,

    /// <summary>HTTP 503 "server busy".</summary>
    Busy,

    /// <summary>HTTP 400 with an Ollama error body (never retried).</summary>
    BadRequest,

    /// <summary>HTTP 404 "model not found" from <c>/api/chat</c>, although <c>/api/tags</c> lists the model.</summary>
    ModelNotFound,

    /// <summary>Headers never come: the request hangs until the client gives up.</summary>
    Hang,

    /// <summary>Headers and a few chunks, then silence until the client gives up.</summary>
    StallMidStream,

    /// <summary>A few chunks, then an <c>{"error": …}</c> line, then a normal end of stream.</summary>
    ErrorMidStream,

    /// <summary>A few chunks, then the connection is cut.</summary>
    CutMidStream,
}
