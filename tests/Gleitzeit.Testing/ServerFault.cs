namespace Gleitzeit.Testing;

/// <summary>HTML pages proxies and gateways answer with.</summary>
public static class ProxyPages
{
    public const string GatewayError = "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n" + Padding + "</body>\r\n</html>\r\n";

    public const string Login = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign in &ndash; Corp Access</title><script>var x = 1;</script></head><body><form method=\"post\" action=\"/login\"><input name=\"user\"><input type=\"password\" name=\"pass\"></form>" + Padding + "</body></html>\n";

    private const string Padding = "<!-- a padding to more than 512 bytes, as real error pages are ............................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................ -->\n";
}

/// <summary>A failure a test server injects into a chat request (<c>/api/chat</c>, <c>…/chat/completions</c>).</summary>
public enum ServerFault
{
    /// <summary>HTTP 500 with an Ollama error body.</summary>
    InternalError,

    /// <summary>HTTP 503 "server busy".</summary>
    Busy,

    /// <summary>HTTP 503 with a gateway's HTML error page (nginx, a corporate proxy), as Ollama or OpenAI servers behind one answer.</summary>
    HtmlGatewayError,

    /// <summary>HTTP 200 with a proxy's HTML login page instead of the API's answer.</summary>
    HtmlLoginPage,

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

    /// <summary>The whole answer, finished (<c>done: true</c>, a <c>finish_reason</c>), then an error line or event before the stream ends.</summary>
    ErrorAfterFinish,

    /// <summary>A few chunks, then the connection is cut.</summary>
    CutMidStream,

    /// <summary>OpenAI server only: the whole reply and <c>[DONE]</c>, but no chunk carries a <c>finish_reason</c>.</summary>
    NoFinishReason,

    /// <summary>OpenAI server only: HTTP 413 "request body too large" (GitHub Models' per-request token limit; never retried).</summary>
    PayloadTooLarge,

    /// <summary>OpenAI server only: HTTP 429 with <c>Retry-After</c>, <c>retry-after-ms</c> and rate-limit headers.</summary>
    RateLimited,

    /// <summary>OpenAI server only: HTTP 400 whose message quotes the request's credentials, as some proxies do.</summary>
    EchoCredentials,

    /// <summary>OpenAI server only: HTTP 429 <c>insufficient_quota</c>, as OpenAI answers an account without credit.</summary>
    InsufficientQuota,

    /// <summary>OpenAI server only: HTTP 401 <c>invalid_api_key</c>.</summary>
    Unauthorized,

    /// <summary>OpenAI server only: HTTP 403, as GitHub Models answers a token without <c>models: read</c>.</summary>
    Forbidden,
}
