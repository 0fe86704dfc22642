namespace Gleitzeit.Batch.Providers;

/// <summary>Passes a response body through unchanged while handing each complete line to a <see cref="StreamErrorCapture"/>.</summary>
internal sealed class ErrorSniffingStream(Stream inner, StreamErrorCapture capture) : Stream
{
    private const int MaxInspectedLine = 64 * 1024;
    private readonly MemoryStream _line = new();
    private bool _lineTooLong;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Observe(buffer.AsSpan(offset, inner.Read(buffer, offset, count)));

    public override int Read(Span<byte> buffer) => Observe(buffer[..inner.Read(buffer)]);

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        return Observe(buffer.Span[..read]);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
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
        if (!_lineTooLong && _line.Length > 0)
        {
            capture.Inspect(_line.GetBuffer().AsSpan(0, (int)_line.Length));
        }

        _line.SetLength(0);
        _lineTooLong = false;
    }
}
