using System.IO.Pipes;
using Microsoft.Win32.SafeHandles;
using System.Text;
using FreshServe.Services;
using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Services;

/// <summary>A service's output pipe: whole lines prefixed as they arrive, a partial line written after a pause, never held.</summary>
public sealed class ServiceOutputTests
{
    [Fact]
    public async Task Lines_are_prefixed_with_the_padded_name_and_a_partial_line_is_written_after_a_pause()
    {
        var sink = new TextSink();
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
        var sink = new TextSink();
        var labels = new ServiceLabels(["api", "worker"]);
        using var output = new ServiceOutput("worker", labels, new OutputSink(sink, color: true));
        await using var writer = new AnonymousPipeClientStream(PipeDirection.Out, (SafePipeHandle)output.WriteEnd);

        await writer.WriteAsync(Encoding.UTF8.GetBytes("hello\n"));
        await sink.WaitForAsync($"{labels.Color("worker")}worker │\e[0m hello\n");
        Assert.NotEqual(labels.Color("api"), labels.Color("worker"));
    }
}
