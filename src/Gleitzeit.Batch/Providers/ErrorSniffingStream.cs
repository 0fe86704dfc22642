namespace Gleitzeit.Batch.Providers;

/// <summary>
/// Passes a response body through unchanged while handing each complete line to a <see cref="StreamErrorCapture"/>,
/// and makes every read honour the call's cancellation: OllamaSharp reads lines without it, so a stalled
/// stream would otherwise hang until the server sends something.
/// </summary>
internal sealed class ErrorSniffingStream(Stream inner, StreamErrorCapture? capture, CancellationToken callCancellation) : ReadOnlyWrapperStream(inner)
{
    private const int MaxInspectedLine = 64 * 1024;
    private readonly MemoryStream _line = new();
    private bool _lineTooLong;

    // StreamReader.EndOfStream, which OllamaSharp checks before every line, reads synchronously: a plain
    // synchronous read of a stalled response blocks until the server sends something, so this one waits on
    // the asynchronous read, which the call's cancellation ends.
    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count), CancellationToken.None).AsTask().GetAwaiter().GetResult();

    public override int Read(Span<byte> buffer)
    {
        var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            var read = Read(rented, 0, buffer.Length);
            rented.AsSpan(0, read).CopyTo(buffer);
            return read;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int read;
        if (cancellationToken.CanBeCanceled)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, callCancellation);
            read = await Inner.ReadAsync(buffer, linked.Token);
        }
        else
        {
            read = await Inner.ReadAsync(buffer, callCancellation);
        }

        return Observe(buffer.Span[..read]);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _line.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Observe(ReadOnlySpan<byte> data)
    {
        var count = data.Length;
        if (data.IsEmpty)
        {
            EndLine();
            return 0;
        }

        while (!data.IsEmpty)
        {
            var newline = data.IndexOf((byte)'\n');
            var part = newline < 0 ? data : data[..newline];
            if (!_lineTooLong && _line.Length + part.Length <= MaxInspectedLine)
            {
                _line.Write(part);
            }
            else
            {
                _lineTooLong = true;
            }

            if (newline < 0)
            {
                break;
            }

            EndLine();
            data = data[(newline + 1)..];
        }

        return count;
    }

    private void EndLine()
    {
        if (capture is not null && !_lineTooLong && _line.Length > 0)
        {
            capture.Inspect(_line.GetBuffer().AsSpan(0, (int)_line.Length));
        }

        _line.SetLength(0);
        _lineTooLong = false;
    }
}
