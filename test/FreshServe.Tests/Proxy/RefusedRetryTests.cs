using System.Net;
using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Proxy;

/// <summary>
/// A request whose connection is refused by the generation it was sent to (it was going away) is held and sent to
/// the next generation, body and all, instead of failing with 502.
/// </summary>
public sealed class RefusedRetryTests
{
    // Generation 1 accepts freshserve's readiness probe and then closes its listener while it keeps running, so the
    // proxy's first attempt is refused. Later generations answer with their generation and the body length received.
    private const string Worker = """
        import http.server, os, socket, sys, time
        port = int(sys.argv[1])
        generation = os.environ["FRESHSERVE_GENERATION"]
        if generation == "1":
            listener = socket.create_server(("127.0.0.1", port))
            connection, _ = listener.accept()
            connection.close()
            listener.close()
            print("generation 1 closed its listener", flush=True)
            time.sleep(3600)
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                reply = f"generation={generation} body={len(body)}".encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)
        http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
        """;

    [Fact]
    public async Task A_refused_request_waits_for_the_next_generation_and_is_sent_again_with_its_body()
    {
        using var scripts = new TempFolder();
        var worker = scripts.Write("worker.py", Worker);
        await using var run = await ProxyRun.StartAsync(command: ["python3", worker, "{port}"]);
        await run.Process.WaitForLineAsync("generation 1 closed its listener", ProxyRun.Patience);

        var payload = new byte[100_000];
        var pending = run.Client.PostAsync("/anything", new ByteArrayContent(payload));
        await Task.Delay(500);
        Assert.False(pending.IsCompleted, "the refused request was answered instead of held");

        await File.WriteAllTextAsync(run.ContentFile, "next");
        using var response = await pending.WaitAsync(ProxyRun.Patience);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("generation=2 body=100000", await response.Content.ReadAsStringAsync());
        Assert.Equal("2", response.Headers.GetValues("X-FreshServe-Generation").Single());
    }
}
