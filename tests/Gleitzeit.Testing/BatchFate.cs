namespace Gleitzeit.Testing;

/// <summary>What the OpenAI test server's batch service does to a batch whatever its input (<see cref="OpenAiTestServer.InjectBatchFate"/>).</summary>
public enum BatchFate
{
    /// <summary>Validation fails with OpenAI's <c>token_limit_exceeded</c> (the organisation's enqueued-token limit): the batch ends <c>failed</c>.</summary>
    FailValidation,

    /// <summary>The completion window ends early, once a given number of requests is answered: the batch ends <c>expired</c>.</summary>
    Expire,

    /// <summary>The service cancels the batch once a given number of requests is answered: <c>cancelling</c>, then <c>cancelled</c>.</summary>
    Cancel,
}
