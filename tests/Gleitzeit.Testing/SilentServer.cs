using System.Net;
using System.Net.Sockets;

namespace Gleitzeit.Testing;

/// <summary>
/// A server that accepts every connection on 127.0.0.1 and never answers a byte: the hostile case of a model server
/// that hangs after accepting, for tests that every wait has a bound.
/// </summary>
public sealed class SilentServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly List<TcpClient> _clients = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    private SilentServer()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Endpoint = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
        _accepting = AcceptAsync();
    }

    /// <summary>The address, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string Endpoint { get; }

    /// <summary>Connections accepted so far.</summary>
    public int Accepted
    {
        get
        {
            lock (_clients)
            {
                return _clients.Count;
            }
        }
    }

    public static SilentServer Start() => new();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        lock (_clients)
        {
            foreach (var client in _clients)
            {
                client.Dispose();
            }
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            lock (_clients)
            {
                _clients.Add(client);
            }
        }
    }
}
