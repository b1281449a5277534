using System.IO.Pipes;
using System.Text;

namespace FreshServe.Services;

/// <summary>
/// One service's output: a pipe every generation of its worker writes to (stdout and stderr both), read here and
/// written to freshserve's stdout line by line, each line prefixed with the service's name (<c>api    │ </c>). Lines are
/// written as they arrive; a partial line (a prompt, a progress bar) is written after <see cref="PartialAfter"/>
/// without more output, never held back. One pipe for the whole session: it outlives each generation, so nothing a
/// dying generation wrote is lost.
/// </summary>
public sealed class ServiceOutput : IDisposable
{
    public static readonly TimeSpan PartialAfter = TimeSpan.FromMilliseconds(100);

    private readonly AnonymousPipeServerStream _pipe;
    private readonly OutputSink _sink;
    private readonly byte[] _prefix;
    private readonly Lock _gate = new();
    private readonly Timer _partialTimer;
    private readonly MemoryStream _partial = new();
    private readonly Thread _reader;

    public ServiceOutput(string service, ServiceLabels labels, OutputSink sink)
    {
        // Not inheritable: no other service's worker gets this pipe; each worker gets its own copy as stdout/stderr.
        _pipe = new AnonymousPipeServerStream(PipeDirection.In, HandleInheritability.None);
        _sink = sink;
        var padded = labels.Padded(service);
        _prefix = Encoding.UTF8.GetBytes(sink.Color ? $"{labels.Color(service)}{padded} │\e[0m " : $"{padded} │ ");
        _partialTimer = new Timer(_ => FlushPartial(), null, Timeout.Infinite, Timeout.Infinite);
        _reader = new Thread(ReadLoop) { IsBackground = true, Name = $"output of {service}" };
        _reader.Start();
    }

    /// <summary>The write end, given to each worker as its stdout and stderr.</summary>
    public System.Runtime.InteropServices.SafeHandle WriteEnd => _pipe.ClientSafePipeHandle;

    private void ReadLoop()
    {
        var buffer = new byte[16 * 1024];
        while (true)
        {
            int read;
            try
            {
                read = _pipe.Read(buffer, 0, buffer.Length);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                return;
            }

            if (read == 0)
            {
                FlushPartial();
                return;
            }

            Take(buffer.AsSpan(0, read));
        }
    }

    private void Take(ReadOnlySpan<byte> data)
    {
        lock (_gate)
        {
            while (data.IndexOf((byte)'\n') is var newline and >= 0)
            {
                var line = data[..(newline + 1)];
                if (_partial.Length > 0)
                {
                    _partial.Write(line);
                    _sink.WriteLine(_prefix, _partial.GetBuffer().AsSpan(0, (int)_partial.Length));
                    _partial.SetLength(0);
                }
                else
                {
                    _sink.WriteLine(_prefix, line);
                }

                data = data[(newline + 1)..];
            }

            if (!data.IsEmpty)
            {
                _partial.Write(data);
                _partialTimer.Change(PartialAfter, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void FlushPartial()
    {
        lock (_gate)
        {
            if (_partial.Length == 0)
            {
                return;
            }

            // Ends the line here: the rest, when it comes, gets a prefix of its own, so services never share a line.
            _partial.WriteByte((byte)'\n');
            _sink.WriteLine(_prefix, _partial.GetBuffer().AsSpan(0, (int)_partial.Length));
            _partial.SetLength(0);
        }
    }

    public void Dispose()
    {
        // The workers are gone by now; what they wrote last is still in the pipe: give the reader a moment for it.
        _pipe.DisposeLocalCopyOfClientHandle();
        _reader.Join(TimeSpan.FromMilliseconds(500));
        FlushPartial();
        _partialTimer.Dispose();
        _pipe.Dispose();
    }
}

/// <summary>freshserve's stdout, shared by every service's output: one whole line at a time.</summary>
public sealed class OutputSink(Stream stdout, bool color)
{
    private readonly Lock _gate = new();

    public bool Color { get; } = color;

    public static OutputSink ForStdout() => new(Console.OpenStandardOutput(), ServiceLabels.UseColor(Console.IsOutputRedirected));

    public void WriteLine(ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> line)
    {
        lock (_gate)
        {
            try
            {
                stdout.Write(prefix);
                stdout.Write(line);
                stdout.Flush();
            }
            catch (IOException)
            {
                // stdout closed (a pipe to `head` that ended): the services keep running.
            }
        }
    }
}
