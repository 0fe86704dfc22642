using System.Text;
using Gleitzeit.Batch.Providers.OpenAi;

namespace Gleitzeit.Batch.Tests.Providers;

/// <summary>The event-stream reader's buffers are pooled across calls: one call's bytes must never reach another's.</summary>
public sealed class FinishReasonStreamTests
{
    [Fact]
    public async Task StreamsOneAfterAnother_EachPassOnExactlyTheirOwnBytes_HoweverLongTheOneBefore()
    {
        // A long body grows the buffers; the short ones after it get pooled buffers that held its bytes.
        var bodies = new List<string> { Body(new string('x', 40_000)) };
        bodies.AddRange(Enumerable.Range(0, 50).Select(i => Body($"answer {i}")));

        foreach (var body in bodies)
        {
            Assert.Equal(body, await ReadAllAsync(new FinishReasonStream(new MemoryStream(Encoding.UTF8.GetBytes(body)), new FinishReasonStream.Seen())));
        }
    }

    [Fact]
    public async Task AStreamDisposedWhileItsReadIsUnderWay_KeepsItsBuffer_SoTheReadsLateBytesReachNoOtherCall()
    {
        var (expected, seen) = await NextCallWhileADisposedCallsReadEndsAsync(
            succeeds: false,
            Encoding.UTF8.GetBytes(new string('!', 8192)),
            async (_, pending) => await Assert.ThrowsAsync<IOException>(() => pending));

        Assert.Equal(expected, seen);
    }

    [Fact]
    public async Task AStreamDisposedWhileItsReadIsUnderWay_WhoseReadThenSucceeds_UsesItsBuffersToTheEnd_AndNoOtherCallSharesThem()
    {
        var (expected, seen) = await NextCallWhileADisposedCallsReadEndsAsync(
            succeeds: true,
            Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(Body(new string('!', 100)), 60))),
            async (first, pending) =>
            {
                Assert.True(await pending > 0);
                await Assert.ThrowsAsync<ObjectDisposedException>(() => first.ReadAsync(new byte[16]).AsTask());
            });

        Assert.Equal(expected, seen);
    }

    // A first call's read is under way when its body is disposed. The next call then holds bytes in both its buffers
    // (a line ready for the library, the start of the next line) when that read ends, writing `late` into the buffer it
    // was handed and (when it succeeds) its lines through the first call's buffers. Returns the next call's body and
    // what it passed on.
    private static async Task<(string Expected, string Seen)> NextCallWhileADisposedCallsReadEndsAsync(bool succeeds, byte[] late, Func<FinishReasonStream, Task<int>, Task> afterTheLateRead)
    {
        var blocked = new GatedStream(succeeds);
        var first = new FinishReasonStream(blocked, new FinishReasonStream.Seen());
        var pending = first.ReadAsync(new byte[1024]).AsTask();
        await blocked.Reading.Task.WaitAsync(TimeSpan.FromSeconds(10));
        first.Dispose();

        var body = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + new string('y', 2000) + "\"}}]}\n\n" + Body(new string('z', 6000));
        var second = new FinishReasonStream(new MemoryStream(Encoding.UTF8.GetBytes(body)), new FinishReasonStream.Seen());
        var output = new MemoryStream();
        var buffer = new byte[16];
        var read = await second.ReadAsync(buffer);
        blocked.Release(late);
        await afterTheLateRead(first, pending);
        for (; read > 0; read = await second.ReadAsync(buffer))
        {
            output.Write(buffer, 0, read);
        }

        return (body, Encoding.UTF8.GetString(output.ToArray()));
    }

    [Fact]
    public async Task ADisposedStream_RefusesFurtherReads()
    {
        var stream = new FinishReasonStream(new MemoryStream(Encoding.UTF8.GetBytes(Body("a"))), new FinishReasonStream.Seen());
        stream.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => stream.ReadAsync(new byte[16]).AsTask());
    }

    private static string Body(string content) =>
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + content + "\"}}]}\n\n"
        + "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";

    private static async Task<string> ReadAllAsync(Stream stream)
    {
        using (stream)
        {
            using var output = new MemoryStream();
            await stream.CopyToAsync(output);
            return Encoding.UTF8.GetString(output.ToArray());
        }
    }

    // A body whose first read waits until the test lets it write (into the buffer it was handed), then fails as a
    // disposed connection does, or succeeds with what it wrote.
    private sealed class GatedStream(bool succeeds = false) : Stream
    {
        private readonly TaskCompletionSource<byte[]> _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Reading { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release(byte[] late) => _gate.SetResult(late);

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Reading.TrySetResult();
            var late = await _gate.Task;
            var count = Math.Min(late.Length, buffer.Length);
            late.AsSpan(0, count).CopyTo(buffer.Span);
            return succeeds ? count : throw new IOException("the connection was closed");
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
