// A small web app for the proxy tests: what a real dev server sends (HTML with caching headers, compressed HTML,
// WebSockets, streamed and large bodies) plus an echo of what it received. Content is read once at start-up, like a
// FastAPI app that builds its page at import time.
//
//   webtestserver --port N [--content FILE]        (the port may also come from $PORT)
using System.IO.Compression;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;

var port = Environment.GetEnvironmentVariable("PORT");
string? contentFile = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--port": port = args[++i]; break;
        case "--content": contentFile = args[++i]; break;
        default: Console.Error.WriteLine($"webtestserver: unknown argument {args[i]}"); return 2;
    }
}

var content = contentFile is null ? "none" : File.ReadAllText(contentFile).Trim();
var generation = Environment.GetEnvironmentVariable("FRESHSERVE_GENERATION") ?? "0";

var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
builder.Logging.ClearProviders();
builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
var app = builder.Build();
app.UseWebSockets();
var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

string Page() => $"<!doctype html>\n<html><head><title>web test server</title></head>\n<body>\n<h1 id=\"content\">{content}</h1>\n<p>generation {generation}</p>\n</BODY>\n</html>\n";

app.MapMethods("/", ["GET", "HEAD"], (HttpContext context) =>
{
    context.Response.Headers.CacheControl = "public, max-age=3600";
    context.Response.Headers.ETag = "\"page-v1\"";
    return Results.Text(Page(), "text/html; charset=utf-8");
});

// Like an app that builds absolute URLs from the address it listens on.
app.MapGet("/redirect-to-self", () => Results.Redirect($"http://127.0.0.1:{port}/text?from=redirect#top"));

app.MapGet("/text", () => Results.Text($"content={content} generation={generation}\n"));

app.MapMethods("/compressed/{encoding}", ["GET", "HEAD"], async (HttpContext context, string encoding) =>
{
    var buffer = new MemoryStream();
    await using (Stream compressor = encoding == "br"
        ? new BrotliStream(buffer, CompressionLevel.Fastest, leaveOpen: true)
        : new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
    {
        await compressor.WriteAsync(Encoding.UTF8.GetBytes(Page()));
    }

    context.Response.ContentType = "text/html; charset=utf-8";
    context.Response.Headers.ContentEncoding = encoding;
    context.Response.ContentLength = buffer.Length;
    await context.Response.Body.WriteAsync(buffer.ToArray());
});

app.MapMethods("/echo", ["GET", "POST", "PUT"], async (HttpContext context) =>
{
    var body = new MemoryStream();
    await context.Request.Body.CopyToAsync(body);
    var text = new StringBuilder()
        .Append("method=").AppendLine(context.Request.Method)
        .Append("path=").AppendLine(context.Request.Path + context.Request.QueryString)
        .Append("host=").AppendLine(context.Request.Host.Value);
    foreach (var name in new[] { "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Test", "If-None-Match", "Cookie" })
    {
        text.Append(name.ToLowerInvariant()).Append('=').AppendLine(context.Request.Headers[name].ToString());
    }

    text.Append("body-length=").AppendLine(body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture))
        .Append("body-sha256=").AppendLine(Convert.ToHexString(SHA256.HashData(body.ToArray())));
    context.Response.Headers["X-Echo"] = "yes";
    context.Response.Headers.Append("Set-Cookie", "a=1; Path=/");
    context.Response.Headers.Append("Set-Cookie", "b=2; Path=/");
    await context.Response.WriteAsync(text.ToString());
});

// First chunk now, the second only after /stream/release: a proxy that buffers never shows the first chunk.
app.MapGet("/stream", async (HttpContext context) =>
{
    context.Response.ContentType = "text/plain";
    await context.Response.WriteAsync("first chunk\n");
    await context.Response.Body.FlushAsync();
    await release.Task.WaitAsync(TimeSpan.FromSeconds(60));
    await context.Response.WriteAsync("second chunk\n");
});

app.MapGet("/stream/release", () =>
{
    release.TrySetResult();
    return Results.Text("released\n");
});

app.MapGet("/big", async (HttpContext context, int megabytes) =>
{
    context.Response.ContentType = "application/octet-stream";
    context.Response.ContentLength = megabytes * 1024L * 1024L;
    var block = new byte[1024 * 1024];
    for (var i = 0; i < block.Length; i++)
    {
        block[i] = (byte)(i * 31 % 251);
    }

    for (var i = 0; i < megabytes; i++)
    {
        await context.Response.Body.WriteAsync(block);
    }
});

app.Map("/ws", async (HttpContext context) =>
{
    if (!context.WebSockets.IsWebSocketRequest)
    {
        context.Response.StatusCode = 400;
        return;
    }

    using var socket = await context.WebSockets.AcceptWebSocketAsync();
    var buffer = new byte[64 * 1024];
    while (true)
    {
        var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
        if (result.MessageType == WebSocketMessageType.Close)
        {
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
            return;
        }

        var reply = Encoding.UTF8.GetBytes($"echo generation={generation}: " + Encoding.UTF8.GetString(buffer, 0, result.Count));
        await socket.SendAsync(reply, WebSocketMessageType.Text, true, CancellationToken.None);
    }
});

Console.WriteLine($"webtestserver generation {generation} pid {Environment.ProcessId} listening on {port}");
await app.RunAsync();
return 0;
