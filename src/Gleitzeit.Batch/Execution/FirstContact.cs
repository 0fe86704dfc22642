using System.Collections.Concurrent;

namespace Gleitzeit.Batch.Execution;

/// <summary>
/// Until a server has shown that it takes a model's calls, one call for that model goes out at a time: a wrong key,
/// model or address costs one request, not a burst of one per slot. A model list that names the model proves
/// nothing about chats (llama-server serves <c>/models</c> without its key; Ollama's tags pass where a proxy guards
/// <c>/api/chat</c>), so the first call always goes alone, and the others follow as soon as it has its first chunk
/// or has ended in anything but a stop.
/// </summary>
internal sealed class FirstContact
{
    private readonly ConcurrentDictionary<string, Gate> _gates = new(StringComparer.Ordinal);

    /// <summary>Waits for the model's turn; the ticket says whether this call is the one that goes alone.</summary>
    public async ValueTask<Ticket> EnterAsync(string model, CancellationToken cancellationToken)
    {
        var gate = _gates.GetOrAdd(model, _ => new Gate());
        if (gate.IsOpen)
        {
            return Ticket.Free;
        }

        await gate.Turn.WaitAsync(cancellationToken);
        if (gate.IsOpen)
        {
            gate.Turn.Release();
            return Ticket.Free;
        }

        return new Ticket(gate);
    }

    /// <summary>One call's passage through a model's gate.</summary>
    internal sealed class Ticket : IDisposable
    {
        public static readonly Ticket Free = new(null);
        private readonly Gate? _gate;
        private int _released;

        public Ticket(Gate? gate)
        {
            _gate = gate;
            _released = gate is null ? 1 : 0;
        }

        /// <summary>Whether this call goes alone (its outcome decides for the others).</summary>
        public bool Leads => _gate is not null;

        /// <summary>The server took the call (its first chunk came, or it answered in any way but a stop): the rest may follow.</summary>
        public void Accepted()
        {
            if (_gate is not null && Interlocked.Exchange(ref _released, 1) == 0)
            {
                _gate.Open();
                _gate.Turn.Release();
            }
        }

        /// <summary>Ends the passage without a verdict (nothing was sent, or the run stopped): the next call goes alone.</summary>
        public void Dispose()
        {
            if (_gate is not null && Interlocked.Exchange(ref _released, 1) == 0)
            {
                _gate.Turn.Release();
            }
        }
    }

    /// <summary>A model's gate: open, or one call at a time.</summary>
    internal sealed class Gate
    {
        private int _open;

        public SemaphoreSlim Turn { get; } = new(1, 1);

        public bool IsOpen => Volatile.Read(ref _open) == 1;

        public void Open() => Volatile.Write(ref _open, 1);
    }
}
