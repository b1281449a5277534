using System.IO.Pipes;
using Microsoft.Win32.SafeHandles;
using System.Text;
using FreshServe.Services;

namespace FreshServe.Tests.Services;

/// <summary>A service's output pipe: whole lines prefixed as they arrive, a partial line written after a pause, never held.</summary>
public sealed class ServiceOutputTests
{
    private sealed class Sink : Stream
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

    [Fact]
    public async Task Lines_are_prefixed_with_the_padded_name_and_a_partial_line_is_written_after_a_pause()
    {
        var sink = new Sink();
        var labels = new ServiceLabels(["api", "worker"]);
        using var output = new ServiceOutput("api", labels, new OutputSink(sink, color: false));
        await using var writer = new AnonymousPipeClientStream(PipeDirection.Out, (SafePipeHandle)output.WriteEnd);

        await writer.WriteAsync(Encoding.UTF8.GetBytes("one\ntw"));
        await writer.FlushAsync();
        // The partial line is not held back: it comes out on its own after the pause, with no more output.
        await sink.WaitForAsync("api    │ one\napi    │ tw\n");

        await writer.WriteAsync(Encoding.UTF8.GetBytes("o\nthree\n"));
        await sink.WaitForAsync("api    │ one\napi    │ tw\napi    │ o\napi    │ three\n");
    }

    [Fact]
    public async Task With_color_each_service_keeps_its_own_color()
    {
        var sink = new Sink();
        var labels = new ServiceLabels(["api", "worker"]);
        using var output = new ServiceOutput("worker", labels, new OutputSink(sink, color: true));
        await using var writer = new AnonymousPipeClientStream(PipeDirection.Out, (SafePipeHandle)output.WriteEnd);

        await writer.WriteAsync(Encoding.UTF8.GetBytes("hello\n"));
        await sink.WaitForAsync($"{labels.Color("worker")}worker │\e[0m hello\n");
        Assert.NotEqual(labels.Color("api"), labels.Color("worker"));
    }
}
