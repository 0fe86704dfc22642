using System.Collections.Concurrent;

namespace Gleitzeit.Batch.Providers;

/// <summary>
/// Several Ollama servers as one provider: each call goes to the reachable server with the fewest calls in flight (so
/// a server with a free slot takes the next item); a server that cannot be reached is set aside with one warning and
/// its calls go to the others; and a model must have the same digest on every server, or its answers would differ by
/// where they ran.
/// </summary>
public sealed class OllamaServers : IChatProvider
{
    private readonly OllamaChatProvider[] _servers;
    private readonly int[] _inFlight;
    private readonly ConcurrentDictionary<int, bool> _down = new();
    private readonly Action<string> _warn;

    public OllamaServers(IReadOnlyList<OllamaChatProvider> servers, Action<string>? warn = null)
    {
        ArgumentNullException.ThrowIfNull(servers);
        _servers = [.. servers];
        _inFlight = new int[_servers.Length];
        _warn = warn ?? (_ => { });
        Endpoint = string.Join(";", _servers.Select(s => s.Endpoint));
    }

    public string Endpoint { get; }

    public string? ServiceIdentity => null;

    public bool TruncatesSilently => true;

    public int Servers => _servers.Length;

    /// <summary>Receives the warning when a server is set aside (the engine's progress, once it runs).</summary>
    public Action<string>? Warn { get; set; }

    public string NormalizeModel(string model) => ModelNames.Normalize(model);

    public async Task<ModelInfo> GetModelInfoAsync(string model, CancellationToken cancellationToken)
    {
        var answers = new List<(OllamaChatProvider Server, ModelInfo Info)>();
        ChatProviderException? unreachable = null;
        for (var i = 0; i < _servers.Length; i++)
        {
            if (_down.ContainsKey(i))
            {
                continue;
            }

            try
            {
                answers.Add((_servers[i], await _servers[i].GetModelInfoAsync(model, cancellationToken)));
            }
            catch (ChatProviderException ex) when (ex.Code == DiagnosticCodes.ServerUnreachable)
            {
                SetAside(i, ex);
                unreachable = ex;
            }
        }

        if (answers.Count == 0)
        {
            throw unreachable ?? ChatProviderException.ServerError("no server is left to ask");
        }

        var first = answers[0];
        if (answers.FirstOrDefault(a => a.Info.Digest != first.Info.Digest) is { Server: not null } other)
        {
            throw new ChatProviderException(
                $"model '{model}' differs between servers: {first.Server.Endpoint} has {Short(first.Info.Digest)}, {other.Server.Endpoint} has {Short(other.Info.Digest)}; pull the same model on every server (`ollama pull {model}` on each)",
                DiagnosticCodes.ModelNotFound,
                isTransient: false,
                stopsBatch: true,
                serverAnswered: true);
        }

        return new ModelInfo(first.Info.Digest, answers.Min(a => a.Info.ContextLength));
    }

    public async Task<ChatCompletion> CompleteAsync(ChatCall call, CancellationToken cancellationToken)
    {
        while (true)
        {
            var index = Pick() ?? throw ChatProviderException.Unreachable(Endpoint, new IOException("every server was set aside"), "start the servers, or point --endpoint / GleitzeitEndpoint at running ones");
            Interlocked.Increment(ref _inFlight[index]);
            try
            {
                return await _servers[index].CompleteAsync(call, cancellationToken);
            }
            catch (ChatProviderException ex) when (ex.Code == DiagnosticCodes.ServerUnreachable)
            {
                SetAside(index, ex);
                if (_down.Count == _servers.Length)
                {
                    throw;
                }
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight[index]);
            }
        }
    }

    public void Dispose()
    {
        foreach (var server in _servers)
        {
            server.Dispose();
        }
    }

    private int? Pick()
    {
        int? best = null;
        for (var i = 0; i < _servers.Length; i++)
        {
            if (!_down.ContainsKey(i) && (best is null || Volatile.Read(ref _inFlight[i]) < Volatile.Read(ref _inFlight[best.Value])))
            {
                best = i;
            }
        }

        return best;
    }

    private void SetAside(int index, ChatProviderException ex)
    {
        if (_down.TryAdd(index, true))
        {
            (Warn ?? _warn)($"{_servers[index].Endpoint} cannot be reached ({ex.Condition}); its items go to the other servers");
        }
    }

    private static string Short(string? digest) => digest is null ? "no digest" : digest.Replace("sha256:", string.Empty, StringComparison.Ordinal)[..Math.Min(12, digest.Replace("sha256:", string.Empty, StringComparison.Ordinal).Length)];
}
