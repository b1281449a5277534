using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace FreshServe.Proxy;

/// <summary>
/// The reserved /__freshserve/ endpoints: the script injected into HTML pages, and the WebSocket it listens on. Each
/// tab has its own socket and is told the worker's phase whenever it changes; a tab whose page came from another
/// generation reloads as soon as a generation is ready. WebSocket rather than server-sent events: an event stream
/// holds one of the browser's six connections per host, so a seventh tab would hang.
/// </summary>
internal sealed class LiveReload(GenerationGate gate, CancellationToken stopping)
{
    public const string Prefix = "/__freshserve";
    private const string ScriptPath = Prefix + "/live-reload.js";
    private const string SocketPath = Prefix + "/ws";

    public static string Tag(int generation) =>
        $"<script src=\"{ScriptPath}\" data-generation=\"{generation.ToString(CultureInfo.InvariantCulture)}\"></script>";

    public async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.PathBase + context.Request.Path;
        if (path == ScriptPath)
        {
            context.Response.ContentType = "text/javascript; charset=utf-8";
            context.Response.Headers.CacheControl = "no-store";
            await context.Response.WriteAsync(Script, context.RequestAborted).ConfigureAwait(false);
        }
        else if (path == SocketPath && context.WebSockets.IsWebSocketRequest)
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
            await TellAsync(socket, context.RequestAborted).ConfigureAwait(false);
        }
        else
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            await context.Response.WriteAsync("freshserve: nothing here; /__freshserve/ is reserved for live reload\n",
                context.RequestAborted).ConfigureAwait(false);
        }
    }

    private async Task TellAsync(WebSocket socket, CancellationToken aborted)
    {
        using var done = CancellationTokenSource.CreateLinkedTokenSource(aborted, stopping);
        var closed = DrainAsync(socket, done.Token);
        var stopped = Task.Delay(Timeout.Infinite, done.Token);
        GenerationState? told = null;
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var (state, changed) = gate.Snapshot();
                if (state != told)
                {
                    var message = $$"""{"phase":"{{state.Phase.ToString().ToLowerInvariant()}}","generation":{{state.Generation.ToString(CultureInfo.InvariantCulture)}}}""";
                    await socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, true, done.Token).ConfigureAwait(false);
                    told = state;
                }

                if (await Task.WhenAny(changed, closed, stopped).ConfigureAwait(false) != changed)
                {
                    break;
                }
            }

            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var closing = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", closing.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The tab went away or freshserve is stopping: nothing to tell.
        }
    }

    private static async Task DrainAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[256];
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
        }
    }

    private const string Script = """
        // freshserve live reload: reloads this page when a new generation of the server is ready.
        (() => {
          const me = document.currentScript;
          const pageGeneration = Number((me && me.dataset.generation) || 0);
          let hint = null;
          const show = text => {
            if (!hint) {
              hint = document.createElement('div');
              hint.id = '__freshserve-hint';
              hint.setAttribute('role', 'status');
              hint.style.cssText = 'position:fixed;right:12px;bottom:12px;z-index:2147483647;padding:6px 10px;' +
                'border-radius:6px;background:#1f2328;color:#fff;font:13px/1.4 system-ui,sans-serif;opacity:.92;pointer-events:none';
              document.documentElement.appendChild(hint);
            }
            hint.textContent = text;
            hint.hidden = false;
          };
          const hide = () => { if (hint) hint.hidden = true; };
          const connect = () => {
            const socket = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/__freshserve/ws');
            socket.onmessage = event => {
              const m = JSON.parse(event.data);
              if (m.phase === 'ready') {
                if (m.generation !== pageGeneration) { show('\u21bb reloading\u2026'); location.reload(); } else { hide(); }
              } else if (m.phase === 'exited') {
                show('\u2717 the server exited; freshserve waits for a change');
              } else {
                show('\u21bb restarting the server\u2026');
              }
            };
            socket.onclose = () => setTimeout(connect, 1000);
          };
          connect();
        })();

        """;
}
