using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Gleitzeit.Batch.Inputs;
using LLama;
using LLama.Common;
using LLama.Native;
using LLama.Sampling;

namespace Gleitzeit.Batch.Providers.Local;

/// <summary>
/// One GGUF model loaded in this process with one context: generations run one at a time, each on a cleared context,
/// with the model's own chat template. Cancellation and our time limits reach into a running decode through
/// llama.cpp's abort callback, so even a long prompt stops within one matrix operation.
/// </summary>
internal sealed unsafe class LocalModel : IDisposable
{
    private readonly LLamaWeights _weights;
    private readonly LLamaContext _context;
    private readonly int* _abort;

    private LocalModel(LLamaWeights weights, LLamaContext context, string path, string digest, TimeSpan loadTime)
    {
        _weights = weights;
        Path = path;
        _context = context;
        Digest = digest;
        LoadTime = loadTime;
        _abort = (int*)NativeMemory.AllocZeroed(sizeof(int));
        NativeApi.llama_set_abort_callback(context.NativeHandle, (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, byte>)&ShouldAbort, (IntPtr)_abort);
    }

    /// <summary>The file it was loaded from.</summary>
    public string Path { get; }

    /// <summary>The SHA-256 of the file it was loaded from.</summary>
    public string Digest { get; }

    /// <summary>The context window generations run in, in tokens.</summary>
    public int ContextLength => (int)_context.ContextSize;

    /// <summary>The longest context the model was trained for.</summary>
    public int TrainedContextLength => _weights.ContextSize;

    /// <summary>How long loading took (reported with the first generation).</summary>
    public TimeSpan LoadTime { get; }

    /// <summary>
    /// Loads <paramref name="path"/> with a context of <paramref name="contextLength"/> tokens (at most what it was trained
    /// for); the prompt is evaluated on <paramref name="promptThreads"/>, answers generated on <paramref name="generationThreads"/>.
    /// </summary>
    /// <exception cref="ChatProviderException">The file is not a GGUF model llama.cpp can load.</exception>
    public static LocalModel Load(string path, string digest, int? contextLength, int promptThreads, int generationThreads)
    {
        var runtime = LlamaNatives.EnsureLoaded();
        var started = Stopwatch.GetTimestamp();

        // With a GPU backend (Metal on Apple silicon) every layer goes to it (llama.cpp caps the count at the model's); else none.
        var parameters = new ModelParams(path) { Threads = generationThreads, BatchThreads = promptThreads, GpuLayerCount = runtime.Accelerator is null ? 0 : 999 };
        LLamaWeights weights;
        try
        {
            weights = LLamaWeights.LoadFromFile(parameters);
        }
        catch (Exception ex) when (ex is LLama.Exceptions.LoadWeightsFailedException or LLama.Exceptions.RuntimeError or IOException)
        {
            throw new ChatProviderException(
                $"model file {path} could not be loaded ({LlamaNatives.LastError ?? ex.Message}); it must be a GGUF model llama.cpp reads (a truncated download or another format fails here)",
                DiagnosticCodes.ModelNotFound,
                isTransient: false,
                stopsBatch: true);
        }

        try
        {
            var window = Math.Min(contextLength ?? DefaultContextLength, Math.Max(weights.ContextSize, 256));
            parameters.ContextSize = (uint)window;
            parameters.BatchSize = (uint)Math.Min(window, 512);
            var context = weights.CreateContext(parameters);
            return new LocalModel(weights, context, path, digest, Stopwatch.GetElapsedTime(started));
        }
        catch
        {
            weights.Dispose();
            throw;
        }
    }

    /// <summary>The context window when <c>context_length</c> is unset: room for a long document and its answer, without a large key-value cache.</summary>
    public const int DefaultContextLength = 8192;

    /// <summary>Runs one generation to its end, its limit, or a stop sequence.</summary>
    public LocalAnswer Generate(IReadOnlyList<ComposedMessage> messages, LocalSampling sampling, ChatTimeouts timeouts, TimeProvider time, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var tokens = PromptTokens(messages);
        if (tokens.Length >= ContextLength)
        {
            throw new ChatProviderException(
                $"prompt too long for the local model's context window: {tokens.Length} tokens, and the window is {ContextLength}; it was not run (it would have been cut short): shorten or split the file, or raise context_length (the model was trained for {TrainedContextLength})",
                DiagnosticCodes.PromptTooLong,
                isTransient: false);
        }

        var maxTokens = Math.Min(sampling.MaxTokens, ContextLength - tokens.Length);
        using var limit = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        limit.CancelAfter(timeouts.FirstChunk);
        *_abort = 0;
        using var onCancel = cancellationToken.UnsafeRegister(static state => ((AbortSwitch)state!).Set(), new AbortSwitch(_abort));
        using var onLimit = limit.Token.UnsafeRegister(static state => ((AbortSwitch)state!).Set(), new AbortSwitch(_abort));
        var phase = "first";
        try
        {
            _context.NativeHandle.MemoryClear(true);
            var started = Stopwatch.GetTimestamp();
            var batch = new LLamaBatch();
            for (var at = 0; at < tokens.Length; at += (int)_context.BatchSize)
            {
                var chunk = tokens.AsSpan(at, Math.Min((int)_context.BatchSize, tokens.Length - at));
                batch.Clear();
                batch.AddRange(chunk, at, LLamaSeqId.Zero, at + chunk.Length == tokens.Length);
                Decode(batch, limit, phase, timeouts, cancellationToken);
            }

            var promptTime = Stopwatch.GetElapsedTime(started);
            using var pipeline = sampling.Pipeline();
            var decoder = new StreamingTokenDecoder(_context);
            var text = new StringBuilder();
            var generated = 0;
            var generationStarted = time.GetTimestamp();
            var position = tokens.Length;
            var endedByModel = false;
            while (generated < maxTokens)
            {
                var token = pipeline.Sample(_context.NativeHandle, batch.TokenCount - 1);
                if (token.IsEndOfGeneration(_weights.Vocab))
                {
                    endedByModel = true;
                    break;
                }

                generated++;
                decoder.Add(token);
                text.Append(decoder.Read());
                if (phase == "first")
                {
                    phase = "generation";
                }

                if (sampling.StopAt(text) is { } cut)
                {
                    text.Length = cut;
                    endedByModel = true;
                    break;
                }

                var left = timeouts.Generation - time.GetElapsedTime(generationStarted);
                if (left <= TimeSpan.Zero)
                {
                    throw Expired("generation", timeouts);
                }

                limit.CancelAfter(left < timeouts.Idle ? left : timeouts.Idle);
                batch.Clear();
                batch.Add(token, position++, LLamaSeqId.Zero, true);
                Decode(batch, limit, phase, timeouts, cancellationToken);
            }

            return new LocalAnswer(text.ToString(), tokens.Length, generated, endedByModel, promptTime, Stopwatch.GetElapsedTime(started) - promptTime);
        }
        finally
        {
            *_abort = 0;
        }
    }

    public void Dispose()
    {
        _context.Dispose();
        _weights.Dispose();
        NativeMemory.Free(_abort);
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static byte ShouldAbort(IntPtr flag) => (byte)(Volatile.Read(ref *(int*)flag) != 0 ? 1 : 0);

    private static ChatProviderException Expired(string phase, ChatTimeouts timeouts) => phase == "first"
        ? ChatProviderException.Timeout($"the local model produced no token within {timeouts.FirstChunk.TotalSeconds:0.#} s (first_chunk_timeout)")
        : ChatProviderException.Timeout($"the local model's answer ran past {timeouts.Generation.TotalSeconds:0.#} s (timeout_per_file) or paused for {timeouts.Idle.TotalSeconds:0.#} s (idle_timeout)");

    /// <summary>
    /// The prompt's tokens: the chat template's own markers as control tokens, the messages' texts as plain text, so a
    /// document that holds <c>&lt;|im_start|&gt;system</c> or <c>&lt;/s&gt;</c> cannot act as the template's markers.
    /// </summary>
    internal LLamaToken[] PromptTokens(IReadOnlyList<ComposedMessage> messages)
    {
        // Each text goes through the template between markers no text holds, and is tokenized apart from the rest.
        var fence = "\u0002gz" + Guid.NewGuid().ToString("N") + "\u0003";
        var template = new LLamaTemplate(_weights) { AddAssistant = true };
        foreach (var message in messages)
        {
            if (message.Images.Count > 0)
            {
                throw ChatProviderException.Rejected("the local provider reads text only; send images to an Ollama or OpenAI-compatible server (provider ollama or openai) with a vision model");
            }

            template.Add(message.Role, fence + message.Content + fence);
        }

        var parts = Encoding.UTF8.GetString(template.Apply()).Split(fence);
        var tokens = new List<LLamaToken>();
        for (var i = 0; i < parts.Length; i++)
        {
            if (parts[i].Length > 0 || i == 0)
            {
                // Even parts are the template's, odd ones a message's text.
                tokens.AddRange(_context.Tokenize(parts[i], addBos: i == 0, special: i % 2 == 0));
            }
        }

        return [.. tokens];
    }

    private void Decode(LLamaBatch batch, CancellationTokenSource limit, string phase, ChatTimeouts timeouts, CancellationToken cancellationToken)
    {
        var result = _context.NativeHandle.Decode(batch);
        cancellationToken.ThrowIfCancellationRequested();
        if (limit.IsCancellationRequested)
        {
            throw Expired(phase, timeouts);
        }

        if (result != DecodeResult.Ok)
        {
            throw ChatProviderException.ServerError($"llama.cpp could not evaluate the prompt ({result}{(LlamaNatives.LastError is { } error ? ": " + error : string.Empty)})");
        }
    }

    private sealed class AbortSwitch(int* flag)
    {
        public void Set() => Volatile.Write(ref *flag, 1);
    }
}

/// <summary>One finished local generation.</summary>
internal sealed record LocalAnswer(string Text, int PromptTokens, int CompletionTokens, bool EndedByModel, TimeSpan PromptTime, TimeSpan GenerationTime);
