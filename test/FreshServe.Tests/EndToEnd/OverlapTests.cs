using System.Globalization;
using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.EndToEnd;

/// <summary>
/// Overlapped restarts with real processes and sockets: the next generation starts once every port the old tree
/// listened on is free, while the rest of the old tree's stop goes on; never two generations on one port.
/// </summary>
public sealed class OverlapTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A server on two ports (its own and a second fixed one, as `node --inspect` has) that, on SIGTERM, closes them
    /// after <c>close</c> seconds and exits after <c>exit</c> seconds (uvicorn closes early, exits late).
    /// </summary>
    private const string Server = """
        import os, signal, socket, sys, threading, time
        port, second, close, exit_after, content = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
        socks = []
        for p in (port, second):
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", p)); s.listen(16); socks.append(s)
        gen = os.environ.get("FRESHSERVE_GENERATION")
        def serve():
            while True:
                try:
                    c, _ = socks[0].accept()
                except OSError:
                    return
                c.recv(4096)
                body = f"generation={gen} content={open(content).read()}".encode()
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
                c.close()
        threading.Thread(target=serve, daemon=True).start()
        def term(*_):
            time.sleep(close)
            # Said before closing: freshserve may see the ports free before a line printed after the close.
            print(f"gen {gen} closes its ports", flush=True)
            for s in socks:
                s.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept; close alone would leave it listening
                s.close()
            time.sleep(exit_after - close)
            print(f"gen {gen} exits", flush=True)
            os._exit(0)
        signal.signal(signal.SIGTERM, term)
        print(f"gen {gen} listening on {port} and {second}", flush=True)
        while True:
            time.sleep(1)
        """;

    [Fact]
    public async Task The_next_generation_serves_while_the_old_one_is_still_stopping_and_both_its_ports_were_free_first()
    {
        using var folder = new TempFolder();
        var content = folder.Write("page.txt", "one");
        using var scratch = new TempFolder();
        var script = scratch.Write("server.py", Server);
        var (port, second) = (FreePort.Get(), FreePort.Get());
        await using var fs = FreshServeProcess.Start(folder.Path,
            ["watch", "-v", "-w", folder.Path, "--", "/usr/bin/python3", script, Str(port), Str(second), "0.3", "2.5", content]);
        await fs.WaitForLineAsync(@"ready in \d+ ms on port \d+ \(generation 1\)", Patience);

        File.WriteAllText(content, "two");
        var ready = await fs.WaitForLineAsync(@"ready in \d+ ms on port \d+ \(generation 2\)", Patience);
        Assert.Contains("(generation 1 still stopping)", ready, StringComparison.Ordinal);
        Assert.Equal("generation=2 content=two", await Http.TryGetAsync(port));

        var lines = fs.Lines.ToList();
        var closed = lines.FindIndex(l => l.Contains("gen 1 closes its ports", StringComparison.Ordinal));
        var clear = lines.FindIndex(l => l.Contains($"ports {Math.Min(port, second)}, {Math.Max(port, second)} are free", StringComparison.Ordinal));
        var started = lines.FindIndex(l => l.Contains("generation 2)", StringComparison.Ordinal) && l.Contains(" started ", StringComparison.Ordinal));
        Assert.True(closed >= 0 && closed < clear && clear < started, fs.Output);
        Assert.Equal(0, fs.Count("gen 1 exits"));

        // The old stop runs to its end in the background, and is logged.
        await fs.WaitForLineAsync("gen 1 exits", Patience);
        await fs.WaitForLineAsync(@"stopped generation 1 in \d", Patience);
        Assert.Equal(0, fs.Count("(forced)"));

        var tree = ProcessProbe.Descendants(fs.Pid);
        fs.Track(tree);
        fs.Signal(ProcessProbe.SIGINT);
        Assert.Equal(0, await fs.WaitForExitAsync(Patience));
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(tree, TimeSpan.FromSeconds(5)), fs.Output);
    }

    [Fact]
    public async Task Shutdown_during_an_overlap_waits_for_the_old_generation_too()
    {
        using var folder = new TempFolder();
        var content = folder.Write("page.txt", "one");
        using var scratch = new TempFolder();
        var script = scratch.Write("server.py", Server);
        var (port, second) = (FreePort.Get(), FreePort.Get());
        await using var fs = FreshServeProcess.Start(folder.Path,
            ["watch", "-v", "-w", folder.Path, "--", "/usr/bin/python3", script, Str(port), Str(second), "0.1", "3", content]);
        await fs.WaitForLineAsync(@"ready in \d+ ms on port \d+ \(generation 1\)", Patience);
        var firstPid = fs.LoggedPids.Single();

        File.WriteAllText(content, "two");
        await fs.WaitForLineAsync(@"ready in \d+ ms on port \d+ \(generation 2\)", Patience);
        Assert.True(ProcessProbe.IsAlive(firstPid), "generation 1 was expected to be still stopping");

        var tree = ProcessProbe.Descendants(fs.Pid).Append(firstPid).Distinct().ToList();
        fs.Track(tree);
        fs.Signal(ProcessProbe.SIGINT);
        Assert.Equal(0, await fs.WaitForExitAsync(Patience));
        // freshserve exited only once generation 1 had finished its own graceful stop.
        Assert.False(ProcessProbe.IsAlive(firstPid), "generation 1 outlived freshserve");
        Assert.Contains("gen 1 exits", fs.Output, StringComparison.Ordinal);
        Assert.Contains("nothing left running", fs.Output, StringComparison.Ordinal);
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(tree, TimeSpan.FromSeconds(5)), fs.Output);
    }

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);
}
