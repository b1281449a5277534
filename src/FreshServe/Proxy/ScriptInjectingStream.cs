using System.Text;

namespace FreshServe.Proxy;

/// <summary>
/// Passes an HTML body through as it streams and writes the live-reload tag before the first <c>&lt;/body</c>
/// (ASCII case-insensitive). At most the few bytes that might start the marker are held back between writes.
/// Nothing is added to a body without <c>&lt;/body</c> (fragments, e.g. htmx responses, stay as they are).
/// </summary>
internal sealed class ScriptInjectingStream(Stream inner, byte[] tag) : WriteOnlyStream
{
    private static readonly byte[] Marker = Encoding.ASCII.GetBytes("</body");
    private byte[] _carry = [];
    private bool _injected;

    public bool Injected => _injected;

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_injected)
        {
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            return;
        }

        ReadOnlyMemory<byte> data = buffer;
        if (_carry.Length > 0)
        {
            var joined = new byte[_carry.Length + buffer.Length];
            _carry.CopyTo(joined, 0);
            buffer.CopyTo(joined.AsMemory(_carry.Length));
            data = joined;
            _carry = [];
        }

        var at = IndexOfMarker(data.Span);
        if (at >= 0)
        {
            _injected = true;
            await inner.WriteAsync(data[..at], cancellationToken).ConfigureAwait(false);
            await inner.WriteAsync(tag, cancellationToken).ConfigureAwait(false);
            await inner.WriteAsync(data[at..], cancellationToken).ConfigureAwait(false);
            return;
        }

        var keep = Math.Min(Marker.Length - 1, data.Length);
        _carry = data[^keep..].ToArray();
        if (data.Length > keep)
        {
            await inner.WriteAsync(data[..^keep], cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes what was held back; call once the upstream body has ended.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        if (_carry.Length > 0)
        {
            await inner.WriteAsync(_carry, cancellationToken).ConfigureAwait(false);
            _carry = [];
        }

        await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static int IndexOfMarker(ReadOnlySpan<byte> data)
    {
        for (var i = data.IndexOf((byte)'<'); i >= 0 && i <= data.Length - Marker.Length;)
        {
            var match = true;
            for (var j = 1; j < Marker.Length && match; j++)
            {
                match = Marker[j] == '/' ? data[i + j] == '/' : (data[i + j] | 0x20) == Marker[j];
            }

            if (match)
            {
                return i;
            }

            var next = data[(i + 1)..].IndexOf((byte)'<');
            i = next < 0 ? -1 : i + 1 + next;
        }

        return -1;
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
    public override void Flush() => inner.Flush();
}
