using System.IO.Compression;
using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Proxy;

/// <summary>What passes through the proxy, and what it changes: headers, bodies, HTML, WebSockets, streams.</summary>
public sealed class ProxyBehaviourTests
{
    private const string ScriptTag = "<script src=\"/__freshserve/live-reload.js\" data-generation=\"1\"></script>";

    [Fact]
    public async Task Responses_are_no_store_and_carry_the_generation_and_html_gets_the_live_reload_script()
    {
        await using var run = await ProxyRun.StartAsync("hello");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.IfNoneMatch.ParseAdd("\"page-v1\"");
        using var response = await run.Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        // The ETag matched, but a copy cached before freshserve was in front must not come back as 304.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal("1", response.Headers.GetValues("X-FreshServe-Generation").Single());
        Assert.Contains("<h1 id=\"content\">hello</h1>", body);
        Assert.Contains(ScriptTag + "</BODY>", body);
        Assert.Equal(1, CountOf(body, "live-reload.js"));

        using var script = await run.Client.GetAsync("/__freshserve/live-reload.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Contains("new WebSocket", await script.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("br")]
    public async Task Compressed_html_is_decompressed_and_injected(string encoding)
    {
        await using var run = await ProxyRun.StartAsync("squeezed");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/compressed/{encoding}");
        request.Headers.AcceptEncoding.ParseAdd(encoding);
        using var response = await run.Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Empty(response.Content.Headers.ContentEncoding);
        Assert.Contains("<h1 id=\"content\">squeezed</h1>", body);
        Assert.Contains(ScriptTag + "</BODY>", body);
        Assert.EndsWith("</html>\n", body);
    }

    [Fact]
    public async Task Without_live_reload_html_and_compressed_bodies_pass_through_untouched_and_keep_cache_headers_keeps_them()
    {
        await using var run = await ProxyRun.StartAsync("plain", ["--no-live-reload", "--keep-cache-headers"]);
        using var page = await run.Client.GetAsync("/");
        var body = await page.Content.ReadAsStringAsync();
        Assert.DoesNotContain("__freshserve", body);
        Assert.Equal("public, max-age=3600", page.Headers.CacheControl?.ToString());
        Assert.Equal("1", page.Headers.GetValues("X-FreshServe-Generation").Single());

        using var gzipped = await run.Client.GetAsync("/compressed/gzip");
        Assert.Equal("gzip", gzipped.Content.Headers.ContentEncoding.Single());
        await using var unzip = new GZipStream(await gzipped.Content.ReadAsStreamAsync(), CompressionMode.Decompress);
        using var reader = new StreamReader(unzip);
        Assert.DoesNotContain("__freshserve", await reader.ReadToEndAsync());

        // Nothing is reserved without live reload: the path reaches the server.
        using var reserved = await run.Client.GetAsync("/__freshserve/live-reload.js");
        Assert.Equal(HttpStatusCode.NotFound, reserved.StatusCode);
        Assert.Equal("1", reserved.Headers.GetValues("X-FreshServe-Generation").Single());
    }

    [Fact]
    public async Task Request_and_response_headers_and_bodies_are_preserved_and_forwarded_headers_are_set()
    {
        await using var run = await ProxyRun.StartAsync();
        var payload = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/echo?x=1&y=%20z") { Content = new ByteArrayContent(payload) };
        request.Headers.Add("X-Test", "kept");
        request.Headers.Add("Cookie", "session=abc");
        using var response = await run.Client.SendAsync(request);
        var echo = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("method=POST\n", echo);
        Assert.Contains("path=/echo?x=1&y=%20z\n", echo);
        Assert.Contains($"host=localhost:{run.Port}\n", echo);
        Assert.Matches(@"x-forwarded-for=(127\.0\.0\.1|::1)\n", echo);
        Assert.Contains("x-forwarded-proto=http\n", echo);
        Assert.Contains($"x-forwarded-host=localhost:{run.Port}\n", echo);
        Assert.Contains("x-test=kept\n", echo);
        Assert.Contains("cookie=session=abc\n", echo);
        Assert.Contains($"body-length={payload.Length}\n", echo);
        Assert.Contains($"body-sha256={Convert.ToHexString(SHA256.HashData(payload))}\n", echo);
        Assert.Equal("yes", response.Headers.GetValues("X-Echo").Single());
        Assert.Equal(["a=1; Path=/", "b=2; Path=/"], response.Headers.GetValues("Set-Cookie").ToArray());
    }

    [Fact]
    public async Task Keep_alive_connections_are_reused_across_requests()
    {
        await using var run = await ProxyRun.StartAsync();
        var connects = 0;
        using var client = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (context, token) =>
            {
                Interlocked.Increment(ref connects);
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                await socket.ConnectAsync(IPAddress.Loopback, run.Port, token);
                return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            },
        });
        for (var i = 0; i < 20; i++)
        {
            using var response = await client.GetAsync($"{run.Url}/text");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await response.Content.ReadAsStringAsync();
        }

        Assert.Equal(1, connects);
    }

    [Fact]
    public async Task A_streamed_response_arrives_chunk_by_chunk_and_a_large_one_arrives_whole()
    {
        await using var run = await ProxyRun.StartAsync();
        using var response = await run.Client.GetAsync("/stream", HttpCompletionOption.ResponseHeadersRead);
        await using var stream = await response.Content.ReadAsStreamAsync();
        using var reader = new StreamReader(stream);

        // The server holds the second chunk until released: a buffering proxy would never show the first one.
        var first = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("first chunk", first);
        using (var release = await run.Client.GetAsync("/stream/release"))
        {
            Assert.Equal(HttpStatusCode.OK, release.StatusCode);
        }

        Assert.Equal("second chunk", await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)));

        using var big = await run.Client.GetAsync("/big?megabytes=64", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(64L * 1024 * 1024, big.Content.Headers.ContentLength);
        await using var bigStream = await big.Content.ReadAsStreamAsync();
        var buffer = new byte[1024 * 1024];
        long total = 0;
        int read;
        while ((read = await bigStream.ReadAsync(buffer)) > 0)
        {
            for (var i = 0; i < read; i++)
            {
                Assert.True(buffer[i] == (byte)((total + i) % (1024 * 1024) * 31 % 251), $"byte {total + i} differs");
            }

            total += read;
        }

        Assert.Equal(64L * 1024 * 1024, total);
    }

    [Fact]
    public async Task WebSockets_pass_through_to_the_server()
    {
        await using var run = await ProxyRun.StartAsync();
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://localhost:{run.Port}/ws"), CancellationToken.None);
        foreach (var message in new[] { "hello", new string('x', 50_000) })
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, true, CancellationToken.None);
            Assert.Equal("echo generation=1: " + message, await ReceiveTextAsync(socket));
        }

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
    }

    [Fact]
    public async Task The_live_reload_socket_tells_every_tab_about_restarts()
    {
        await using var run = await ProxyRun.StartAsync("a");
        var tabs = new List<ClientWebSocket>();
        for (var i = 0; i < 8; i++)
        {
            var tab = new ClientWebSocket();
            await tab.ConnectAsync(new Uri($"ws://localhost:{run.Port}/__freshserve/ws"), CancellationToken.None);
            Assert.Equal("""{"phase":"ready","generation":1}""", await ReceiveTextAsync(tab));
            tabs.Add(tab);
        }

        await File.WriteAllTextAsync(run.ContentFile, "b");
        foreach (var tab in tabs)
        {
            // "restarting" may be folded away if the restart is quicker than the send; "ready" for 2 never is.
            var message = await ReceiveTextAsync(tab);
            if (message.Contains("restarting", StringComparison.Ordinal))
            {
                Assert.Equal("""{"phase":"restarting","generation":1}""", message);
                message = await ReceiveTextAsync(tab);
            }

            Assert.Equal("""{"phase":"ready","generation":2}""", message);
            tab.Dispose();
        }
    }

    [Fact]
    public async Task A_request_gets_a_readable_503_page_when_no_generation_becomes_ready_in_time()
    {
        // The test server without --port starts but never listens.
        await using var run = await ProxyRun.StartAsync(options: ["--ready-timeout", "1s"], command: [TestPaths.TestServer], waitForReady: false);
        await run.Process.WaitForLineAsync("proxy on", ProxyRun.Patience);
        using var response = await run.Client.GetAsync("/anything");
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.StartsWith("text/html", response.Content.Headers.ContentType?.ToString());
        Assert.Contains("The server is not ready", body);
        Assert.Contains("within 1.0 s", body);
        Assert.Contains("--ready-timeout", body);
        Assert.Contains("live-reload.js", body);
    }

    [Fact]
    public async Task A_worker_that_exited_gets_requests_a_503_page_at_once()
    {
        await using var run = await ProxyRun.StartAsync(command: [TestPaths.TestServer, "--exit", "3"], waitForReady: false);
        await run.Process.WaitForLineAsync("exited with code 3", ProxyRun.Patience);
        using var response = await run.Client.GetAsync("/");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("exited", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_worker_gets_its_port_from_the_placeholder_and_from_PORT()
    {
        // No {port} in the command: the web test server reads $PORT.
        await using var run = await ProxyRun.StartAsync(command: [TestPaths.WebTestServer]);
        Assert.Contains("no {port} in the command: the server must listen on $PORT", run.Process.Output);
        using var response = await run.Client.GetAsync("/text");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task<string> ReceiveTextAsync(ClientWebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[128 * 1024];
        var total = 0;
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer, total, buffer.Length - total), timeout.Token);
            total += result.Count;
        }
        while (!result.EndOfMessage);
        return Encoding.UTF8.GetString(buffer, 0, total);
    }

    private static int CountOf(string text, string part) => (text.Length - text.Replace(part, string.Empty, StringComparison.Ordinal).Length) / part.Length;
}
