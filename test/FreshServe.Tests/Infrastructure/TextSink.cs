using System.Text;

namespace FreshServe.Tests.Infrastructure;

/// <summary>A write-only stream that keeps what is written, for output written from several threads (a service's pipe reader).</summary>
public sealed class TextSink : Stream
{
    private readonly MemoryStream _inner = new();

    public string Text
    {
        get
        {
            lock (_inner)
            {
                return Encoding.UTF8.GetString(_inner.ToArray());
            }
        }
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        lock (_inner)
        {
            _inner.Write(buffer);
        }
    }

    /// <summary>Waits until the text is exactly <paramref name="expected"/> (10 s), then asserts it.</summary>
    public async Task WaitForAsync(string expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (Text != expected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5);
        }

        Assert.Equal(expected, Text);
    }
}
