using System.Net;
using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Proxy;

/// <summary>
/// A request the old generation was holding when a restart stopped it (node exits at SIGTERM with requests unanswered):
/// sent again to the next generation when it may be sent twice (an idempotent method, no body), else answered 502 as
/// before. This was the benchmark's "failed requests" through the proxy on the Node app.
/// </summary>
public sealed class CutOffRetryTests
{
    // Generation 1 reads each request and never answers it, and exits at once on the stop signal, resetting the
    // connection (SO_LINGER 0: as node's did in the benchmark); later generations answer with their generation.
    private const string Worker = """
        import http.server, os, signal, socket, struct, sys, time
        port = int(sys.argv[1])
        generation = os.environ["FRESHSERVE_GENERATION"]
        class Handler(http.server.BaseHTTPRequestHandler):
            def handle_one(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                print(f"generation {generation} got {self.command} with {len(body)} bytes", flush=True)
                if generation == "1":
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    time.sleep(3600)
                reply = f"generation={generation}".encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)
            do_GET = do_POST = handle_one
        if generation == "1":
            for s in (signal.SIGTERM, signal.SIGINT):
                signal.signal(s, lambda *_: os._exit(0))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        server.daemon_threads = True
        server.serve_forever()
        """;

    [Fact]
    public async Task A_GET_the_stopped_generation_left_unanswered_is_answered_by_the_next_one()
    {
        using var scripts = new TempFolder();
        var worker = scripts.Write("worker.py", Worker);
        await using var run = await ProxyRun.StartAsync(command: ["python3", worker, "{port}"]);

        var pending = run.Client.GetAsync("/page");
        await run.Process.WaitForLineAsync("generation 1 got GET", ProxyRun.Patience);
        await File.WriteAllTextAsync(run.ContentFile, "next");

        using var response = await pending.WaitAsync(ProxyRun.Patience);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("generation=2", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_POST_the_stopped_generation_left_unanswered_is_not_sent_again()
    {
        using var scripts = new TempFolder();
        var worker = scripts.Write("worker.py", Worker);
        await using var run = await ProxyRun.StartAsync(command: ["python3", worker, "{port}"]);

        var pending = run.Client.PostAsync("/order", new StringContent("buy one"));
        await run.Process.WaitForLineAsync("generation 1 got POST with 7 bytes", ProxyRun.Patience);
        await File.WriteAllTextAsync(run.ContentFile, "next");

        // The old server may have acted on it: the browser is told it failed rather than having it done twice.
        using var response = await pending.WaitAsync(ProxyRun.Patience);
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        await run.Process.WaitForLineAsync(@"✓ ready in \d+ ms on port \d+ \(generation 2\)", ProxyRun.Patience);
        using var next = await run.Client.GetAsync("/after");
        Assert.Equal("generation=2", await next.Content.ReadAsStringAsync());
        Assert.Equal(0, run.Process.Count("generation 2 got POST"));
    }
}
