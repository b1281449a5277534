using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Forwarder;

namespace FreshServe.Proxy;

/// <summary>
/// Headers for one forwarded request: the browser's Host is kept (so the app builds the right links), X-Forwarded-*
/// are set, and the response is stamped with its generation, made no-store and, for HTML, given the live-reload tag.
/// </summary>
internal sealed class ForwardingTransformer(Upstream upstream, ProxySettings settings) : HttpTransformer
{
    public const string GenerationHeader = "X-FreshServe-Generation";

    /// <summary>Set when this response's body is being rewritten; completed by the caller after forwarding.</summary>
    public InjectedBody? Injection { get; private set; }

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest,
        string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);
        var request = httpContext.Request;
        var headers = proxyRequest.Headers;
        if (request.Host.HasValue)
        {
            headers.Host = request.Host.Value;
        }

        var client = httpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var forwardedFor = request.Headers["X-Forwarded-For"].ToString();
        headers.Remove("X-Forwarded-For");
        headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor.Length > 0 ? $"{forwardedFor}, {client}" : client);
        headers.Remove("X-Forwarded-Proto");
        headers.TryAddWithoutValidation("X-Forwarded-Proto", request.Scheme);
        headers.Remove("X-Forwarded-Host");
        headers.TryAddWithoutValidation("X-Forwarded-Host", request.Host.Value);

        if (!settings.KeepCacheHeaders)
        {
            // A copy the browser cached before freshserve was in front must not come back as 304 Not Modified.
            headers.IfNoneMatch.Clear();
            headers.IfModifiedSince = null;
        }
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse,
        CancellationToken cancellationToken)
    {
        var proceed = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken).ConfigureAwait(false);
        if (proxyResponse is null)
        {
            return proceed;
        }

        var response = httpContext.Response;
        response.Headers[GenerationHeader] = upstream.Generation.ToString(CultureInfo.InvariantCulture);
        if (!settings.KeepCacheHeaders)
        {
            response.Headers.CacheControl = "no-store";
            response.Headers.Remove(HeaderNames.Expires);
        }

        if (response.Headers.Location is { Count: 1 } location && ThroughProxy(location.ToString(), httpContext.Request) is { } rewritten)
        {
            // Built by the app from its own address: the browser would go past the proxy, to a port gone after a restart.
            response.Headers.Location = rewritten;
        }

        if (settings.LiveReload && IsInjectable(proxyResponse, out var encoding))
        {
            if (HttpMethods.IsHead(httpContext.Request.Method))
            {
                // No body to inject into, but the headers must be the ones a GET gets: its body is longer and sent on
                // uncompressed.
                response.Headers.ContentLength = null;
                response.Headers.Remove(HeaderNames.ContentEncoding);
            }
            else
            {
                Injection = InjectedBody.Install(response, encoding, Encoding.UTF8.GetBytes(LiveReload.Tag(upstream.Generation)));
            }
        }

        return proceed;
    }

    /// <summary>An absolute URL at the worker's own loopback address and port, moved to the address the browser used.</summary>
    private string? ThroughProxy(string location, HttpRequest request)
    {
        if (!request.Host.HasValue || !Uri.TryCreate(location, UriKind.Absolute, out var uri) || uri.Port != upstream.Port
            || uri.Scheme is not ("http" or "ws") || !(uri.IsLoopback || uri.Host == "0.0.0.0"))
        {
            return null;
        }

        var rest = location.IndexOfAny(['/', '?', '#'], location.IndexOf("://", StringComparison.Ordinal) + 3);
        return $"{request.Scheme}://{request.Host.Value}{(rest < 0 ? "/" : location[rest..])}";
    }

    private static bool IsInjectable(HttpResponseMessage response, out string encoding)
    {
        encoding = string.Join(',', response.Content.Headers.ContentEncoding).Trim().ToLowerInvariant();
        var status = (int)response.StatusCode;
        return status >= 200 && status != 204 && status != 304
            && string.Equals(response.Content.Headers.ContentType?.MediaType, "text/html", StringComparison.OrdinalIgnoreCase)
            && (encoding is "" or "identity" || DecompressingStream.Supports(encoding));
    }
}

/// <summary>An HTML body on its way through the script injector (and the decompressor, if it came compressed).</summary>
internal sealed class InjectedBody
{
    private readonly HttpResponse _response;
    private readonly Stream _original;
    private readonly ScriptInjectingStream _injector;
    private readonly DecompressingStream? _decompressor;

    private InjectedBody(HttpResponse response, Stream original, ScriptInjectingStream injector, DecompressingStream? decompressor)
    {
        _response = response;
        _original = original;
        _injector = injector;
        _decompressor = decompressor;
    }

    public static InjectedBody Install(HttpResponse response, string encoding, byte[] tag)
    {
        var original = response.Body;
        var injector = new ScriptInjectingStream(original, tag);
        DecompressingStream? decompressor = null;
        if (encoding is not ("" or "identity"))
        {
            // Sent on uncompressed: it is loopback, and recompressing would only cost time.
            decompressor = DecompressingStream.For(encoding, injector);
            response.Headers.Remove(HeaderNames.ContentEncoding);
        }

        response.Headers.ContentLength = null;
        response.Body = decompressor ?? (Stream)injector;
        return new InjectedBody(response, original, injector, decompressor);
    }

    public async Task CompleteAsync(bool succeeded, CancellationToken cancellationToken)
    {
        try
        {
            if (!succeeded)
            {
                if (_decompressor is not null)
                {
                    await _decompressor.AbandonAsync(new IOException("the upstream response ended early")).ConfigureAwait(false);
                }

                return;
            }

            if (_decompressor is not null)
            {
                await _decompressor.CompleteAsync().ConfigureAwait(false);
            }

            await _injector.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _response.Body = _original;
        }
    }
}
