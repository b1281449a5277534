using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using FreshServe.Common;
using FreshServe.Ports;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Yarp.ReverseProxy.Forwarder;

namespace FreshServe.Proxy;

/// <summary>
/// Kestrel in front of the worker, forwarding with YARP's forwarder to whichever generation is ready. Requests that
/// arrive while no generation is ready wait for one (up to the ready timeout); a request whose connection is refused
/// because its generation is going away, or that a generation stopped by a restart left unanswered (if it may be sent
/// twice), waits for the next one and is sent again.
/// </summary>
internal sealed class ProxyServer : IProxyServer
{
    private readonly WebApplication _app;
    private readonly GenerationGate _gate;
    private readonly ProxySettings _settings;
    private readonly IHttpForwarder _forwarder;
    private readonly HttpMessageInvoker _client;
    private readonly ForwarderRequestConfig _requestConfig = new()
    {
        // Long-polling and event streams may be idle for long; the browser decides when to give up, not the proxy.
        ActivityTimeout = TimeSpan.FromHours(24),
        Version = HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
    };

    private ProxyServer(WebApplication app, GenerationGate gate, ProxySettings settings)
    {
        _app = app;
        _gate = gate;
        _settings = settings;
        _forwarder = app.Services.GetRequiredService<IHttpForwarder>();
        _client = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ActivityHeadersPropagator = null,
            ConnectTimeout = TimeSpan.FromSeconds(15),
            ConnectCallback = ConnectToLoopbackAsync,
        });
        Url = $"http://{(settings.Host is "*" or "0.0.0.0" or "::" ? "localhost" : settings.Host.Contains(':', StringComparison.Ordinal) ? $"[{settings.Host}]" : settings.Host)}:{settings.Port.ToString(CultureInfo.InvariantCulture)}";
    }

    public string Url { get; }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static async Task<IProxyServer> StartAsync(ProxySettings settings, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Limits.MinRequestBodyDataRate = null;
            kestrel.Limits.MinResponseDataRate = null;
            Listen(kestrel, settings);
        });
        builder.Services.AddHttpForwarder();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        var app = builder.Build();

        var gate = new GenerationGate();
        var proxy = new ProxyServer(app, gate, settings);
        if (settings.LiveReload)
        {
            var liveReload = new LiveReload(gate, app.Lifetime.ApplicationStopping);
            app.Map(LiveReload.Prefix, branch =>
            {
                branch.UseWebSockets();
                branch.Run(liveReload.HandleAsync);
            });
        }

        app.Run(proxy.ForwardAsync);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new FreshServeException($"--proxy: port {settings.Port} is already in use by {PortOwner.Find(settings.Port).Describe()}; pick another port");
        }
        catch (SocketException e)
        {
            // An address that is not this machine's (EADDRNOTAVAIL) or a port the user may not open (EACCES).
            await app.DisposeAsync().ConfigureAwait(false);
            var hint = e.SocketErrorCode == SocketError.AddressNotAvailable
                ? "; --proxy-host must be an address of this machine (or localhost, or * for all)"
                : string.Empty;
            throw new FreshServeException($"--proxy: cannot listen on {settings.Host} port {settings.Port}: {e.Message}{hint}");
        }

        return proxy;
    }

    private static void Listen(KestrelServerOptions kestrel, ProxySettings settings)
    {
        switch (settings.Host)
        {
            case "localhost":
                kestrel.ListenLocalhost(settings.Port);
                break;
            case "*":
                kestrel.ListenAnyIP(settings.Port);
                break;
            default:
                kestrel.Listen(IPAddress.Parse(settings.Host), settings.Port);
                break;
        }
    }

    public void Restarting(int generation) => _gate.Restarting(generation);

    public void Ready(int generation, int port) => _gate.Ready(generation, port);

    public void Exited(int generation, int exitCode) => _gate.Exited(generation, exitCode);

    private async Task ForwardAsync(HttpContext context)
    {
        using var held = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        held.CancelAfter(_settings.ReadyTimeout);
        var failedGeneration = 0;
        while (true)
        {
            Upstream? upstream;
            try
            {
                upstream = await _gate.WaitForUpstreamAsync(failedGeneration, held.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                return;
            }
            catch (OperationCanceledException)
            {
                await WriteUnavailableAsync(context, $"No generation of the server became ready within {Duration.Format(_settings.ReadyTimeout)} (freshserve's --ready-timeout).").ConfigureAwait(false);
                return;
            }

            if (upstream is null)
            {
                await WriteUnavailableAsync(context, $"The server (generation {_gate.Snapshot().State.Generation}) exited; freshserve starts it again on the next change.").ConfigureAwait(false);
                return;
            }

            var transformer = new ForwardingTransformer(upstream, _settings);
            var error = await _forwarder.SendAsync(context, $"http://127.0.0.1:{upstream.Port.ToString(CultureInfo.InvariantCulture)}",
                _client, _requestConfig, transformer).ConfigureAwait(false);
            if (transformer.Injection is { } injection)
            {
                await injection.CompleteAsync(error == ForwarderError.None, context.RequestAborted).ConfigureAwait(false);
            }

            if (error != ForwarderError.None && !context.Response.HasStarted
                && (WasRefused(context) || (error == ForwarderError.Request && _gate.IsRetired(upstream.Generation) && IsReplayable(context.Request))))
            {
                // Refused: sent to a generation already going away, nothing reached it, so it is safe to send again.
                // Cut off: the generation was stopped by a restart while it held the request (node exits at SIGTERM with
                // requests unanswered); a request without a body whose method may be repeated is sent to the next one.
                context.Features.Set<IForwarderErrorFeature>(null);
                context.Response.Clear();
                failedGeneration = upstream.Generation;
                continue;
            }

            return;
        }
    }

    /// <summary>Safe to send again after the server may have seen it: an idempotent method (RFC 9110 9.2.2) and no body.</summary>
    private static bool IsReplayable(HttpRequest request) =>
        (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method)
            || HttpMethods.IsTrace(request.Method) || HttpMethods.IsPut(request.Method) || HttpMethods.IsDelete(request.Method))
        && (request.ContentLength == 0 || request.HttpContext.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == false);

    private static bool WasRefused(HttpContext context) =>
        context.Features.Get<IForwarderErrorFeature>()?.Exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError };

    private async Task WriteUnavailableAsync(HttpContext context, string reason)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.Clear();
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.RetryAfter = "1";
        var next = _settings.LiveReload
            ? "This page reloads by itself as soon as the server is ready."
            : "Reload this page once freshserve says the server is ready.";
        var page = new StringBuilder()
            .Append("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Server not ready - freshserve</title></head>\n")
            .Append("<body style=\"font:16px/1.5 system-ui,sans-serif;margin:3em auto;max-width:40em;color:#1f2328\">\n")
            .Append("<h1>The server is not ready</h1>\n<p>").Append(WebUtility.HtmlEncode(reason)).Append("</p>\n<p>")
            .Append(next).Append(" The terminal running freshserve shows why.</p>\n")
            .Append(_settings.LiveReload ? LiveReload.Tag(0) : string.Empty)
            .Append("\n</body></html>\n")
            .ToString();
        await context.Response.WriteAsync(page, context.RequestAborted).ConfigureAwait(false);
    }

    private static async ValueTask<Stream> ConnectToLoopbackAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        // The worker may listen on either loopback; try both without a name lookup.
        SocketException? refused = null;
        foreach (var address in new[] { IPAddress.Loopback, IPAddress.IPv6Loopback })
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                refused = e;
            }
        }

        throw refused!;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            _client.Dispose();
        }
    }
}
