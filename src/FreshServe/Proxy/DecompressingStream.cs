using System.IO.Compression;
using System.IO.Pipelines;

namespace FreshServe.Proxy;

/// <summary>
/// Takes a compressed body as it is written and writes it decompressed to <c>decoded</c>, so an HTML response in
/// gzip, deflate or br can be injected into and still stream. A pipe turns the forwarder's writes into the reads a
/// decompressor needs.
/// </summary>
internal sealed class DecompressingStream : WriteOnlyStream
{
    private readonly Pipe _pipe = new();
    private readonly Task _pump;

    private DecompressingStream(Stream decoded, Func<Stream, Stream> decoder)
    {
        _pump = Task.Run(async () =>
        {
            var reader = _pipe.Reader.AsStream();
            await using (reader.ConfigureAwait(false))
            {
                var decompressed = decoder(reader);
                await using (decompressed.ConfigureAwait(false))
                {
                    await decompressed.CopyToAsync(decoded).ConfigureAwait(false);
                }
            }
        });
    }

    public static bool Supports(string encoding) => encoding is "gzip" or "x-gzip" or "deflate" or "br";

    public static DecompressingStream For(string encoding, Stream decoded) => new(decoded, encoding switch
    {
        "gzip" or "x-gzip" => s => new GZipStream(s, CompressionMode.Decompress),
        "deflate" => s => new ZLibStream(s, CompressionMode.Decompress),
        "br" => s => new BrotliStream(s, CompressionMode.Decompress),
        _ => throw new ArgumentOutOfRangeException(nameof(encoding), encoding, "unsupported content encoding"),
    });

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_pump.IsCompleted)
        {
            await _pump.ConfigureAwait(false);
            throw new InvalidDataException("the compressed body continued after its end");
        }

        await _pipe.Writer.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Ends the compressed input and waits until everything decompressed has been written on.</summary>
    public async Task CompleteAsync()
    {
        await _pipe.Writer.CompleteAsync().ConfigureAwait(false);
        await _pump.ConfigureAwait(false);
    }

    /// <summary>Stops after a failed transfer; the decompressor's own error is of no further use.</summary>
    public async Task AbandonAsync(Exception reason)
    {
        await _pipe.Writer.CompleteAsync(reason).ConfigureAwait(false);
        try
        {
            await _pump.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The transfer already failed; the decompressor's view of it adds nothing.
        catch (Exception)
        {
        }
#pragma warning restore CA1031
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public override void Flush() { }
}
