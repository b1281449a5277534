using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Readiness;

/// <summary>Ready means the new generation answers; never a dead one, and a slow one only gets a warning.</summary>
public sealed class ReadinessTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Ready_url_is_reported_once_it_answers()
    {
        using var folder = new TempFolder();
        var port = FreePort.Get();
        var url = $"http://127.0.0.1:{port}/";
        await using var fs = FreshServeProcess.Start(folder.Path,
            ["watch", "--ready-url", url, "--", TestPaths.TestServer, "--port", port.ToString()]);

        await fs.WaitForLineAsync($@"✓ ready in \d+ ms at {url} \(generation 1\)", Patience);
        Assert.StartsWith("generation=1 ", await Http.TryGetAsync(port));
    }

    [Fact]
    public async Task A_server_that_never_gets_ready_gives_a_warning_and_keeps_running()
    {
        using var folder = new TempFolder();
        var port = FreePort.Get();
        var silentPort = FreePort.Get();
        await using var fs = FreshServeProcess.Start(folder.Path,
            ["watch", "--ready-timeout", "700ms", "--ready-url", $"http://127.0.0.1:{silentPort}/",
             "--", TestPaths.TestServer, "--port", port.ToString()]);

        var warning = await fs.WaitForLineAsync(@"! not ready at .* within 700 ms \(generation 1, pid \d+\); it still runs, and freshserve keeps checking", Patience);
        Assert.True(ProcessProbe.IsAlive(fs.LoggedPids.Single()), "the worker was stopped after the readiness timeout: " + warning);
        Assert.StartsWith("generation=1 ", await Http.TryGetAsync(port));
        Assert.Equal(0, fs.Count("ready in"));
    }

    [Fact]
    public async Task A_server_ready_only_after_the_timeout_is_still_reported_ready_and_served_through_the_proxy()
    {
        using var folder = new TempFolder();
        var proxyPort = FreePort.Get();
        await using var fs = FreshServeProcess.Start(folder.Path,
            ["watch", "--proxy", proxyPort.ToString(), "--ready-timeout", "500ms",
             "--", TestPaths.TestServer, "--port", "{port}", "--listen-after", "2500"]);

        await fs.WaitForLineAsync(@"! not ready on port \d+ within 500 ms \(generation 1, pid \d+\)", Patience);
        Assert.Equal(0, fs.Count("ready in"));
        var late = await fs.WaitForLineAsync(@"✓ ready in \d+ ms on port \d+ \(generation 1\)", Patience);
        Assert.True(int.Parse(Regex.Match(late, @"ready in (\d+) ms").Groups[1].Value, CultureInfo.InvariantCulture) >= 2500, late);
        Assert.StartsWith("generation=1 ", await Http.TryGetAsync(proxyPort));
    }

    [Fact]
    public async Task A_generation_that_died_is_never_reported_ready_even_when_something_else_answers()
    {
        // Someone else's server answers the ready URL, slowly: by the time it does, our worker has exited.
        using var impostor = new TcpListener(IPAddress.Loopback, 0);
        impostor.Start();
        var impostorPort = ((IPEndPoint)impostor.LocalEndpoint).Port;
        using var stopImpostor = new CancellationTokenSource();
        var serving = ServeSlowlyAsync(impostor, TimeSpan.FromMilliseconds(500), stopImpostor.Token);

        using var folder = new TempFolder();
        await using var fs = FreshServeProcess.Start(folder.Path,
            ["watch", "--ready-url", $"http://127.0.0.1:{impostorPort}/", "--", "sh", "-c", "exit 3"]);

        await fs.WaitForLineAsync(@"exited with code 3 after", Patience);
        await Task.Delay(1500);
        Assert.Equal(0, fs.Count("ready in"));
        await stopImpostor.CancelAsync();
        impostor.Stop();
        await serving;
    }

    [Fact]
    public async Task A_restart_is_summarized_in_one_line_and_verbose_shows_each_step()
    {
        using var folder = new TempFolder();
        var content = folder.Write("page.txt", "one");
        var port = FreePort.Get();
        await using var fs = FreshServeProcess.Start(folder.Path,
            ["watch", "-v", "--", TestPaths.TestServer, "--port", port.ToString(), "--content", content]);
        await fs.WaitForLineAsync(@"ready in \d+ ms on port \d+ \(generation 1\)", Patience);

        File.WriteAllText(content, "two");
        var summary = await fs.WaitForLineAsync(@"ready in \d+ ms on port \d+ \(generation 2\)", Patience);
        // The new generation started as soon as the port was free, the old one's stop reported apart; or, when the stop
        // was over first, as with --stop-before-start.
        Assert.Matches($@"← page\.txt changed; (port {port} free after \d+ ms, started pid \d+ \(generation 1 (stopped in \d+ ms|still stopping)\)|stopped in \d+ ms, port {port} free after \d+ ms, started pid \d+)$", summary);
        await fs.WaitForLineAsync(@"stopped generation 1 in \d+ ms", Patience);
        Assert.Equal(1, fs.Count(@"stopped generation 1 in \d+ ms"));
        Assert.Equal(1, fs.Count($@"port {port} is free \(\d+ ms\)"));
        Assert.Equal(1, fs.Count(@"started .* \(pid \d+, generation 2\)"));
    }

    [Fact]
    public async Task With_stop_before_start_the_old_tree_is_gone_before_the_new_one_starts()
    {
        using var folder = new TempFolder();
        var content = folder.Write("page.txt", "one");
        var port = FreePort.Get();
        await using var fs = FreshServeProcess.Start(folder.Path,
            ["watch", "-v", "--stop-before-start", "--", TestPaths.TestServer, "--port", port.ToString(), "--content", content]);
        await fs.WaitForLineAsync(@"ready in \d+ ms on port \d+ \(generation 1\)", Patience);

        File.WriteAllText(content, "two");
        var summary = await fs.WaitForLineAsync(@"ready in \d+ ms on port \d+ \(generation 2\)", Patience);
        Assert.Matches($@"← page\.txt changed; stopped in \d+ ms, port {port} free after \d+ ms, started pid \d+$", summary);
        var lines = fs.Lines.ToList();
        var stopped = lines.FindIndex(l => l.Contains("stopped generation 1 in", StringComparison.Ordinal));
        var started = lines.FindIndex(l => Regex.IsMatch(l, @"started .* \(pid \d+, generation 2\)"));
        Assert.InRange(stopped, 0, started - 1);
        Assert.Equal(0, fs.Count("starting while generation"));
    }

    [Fact]
    public async Task Without_verbose_a_restart_logs_only_the_notice_and_the_summary()
    {
        using var folder = new TempFolder();
        var content = folder.Write("page.txt", "one");
        var port = FreePort.Get();
        await using var fs = FreshServeProcess.Start(folder.Path,
            ["watch", "--", TestPaths.TestServer, "--port", port.ToString(), "--content", content]);
        await fs.WaitForLineAsync(@"\(generation 1\)", Patience);
        var before = fs.Lines.Count(l => l.Contains(" freshserve ", StringComparison.Ordinal));

        File.WriteAllText(content, "two");
        await fs.WaitForLineAsync(@"ready in .*\(generation 2\) ← ", Patience);
        var restartLines = fs.Lines.Where(l => l.Contains(" freshserve ", StringComparison.Ordinal)).Skip(before).ToList();
        Assert.Equal(2, restartLines.Count);
        Assert.Contains("page.txt changed; restarting", restartLines[0]);
    }

    private static async Task ServeSlowlyAsync(TcpListener listener, TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var client = await listener.AcceptTcpClientAsync(cancellationToken);
                _ = Task.Run(async () =>
                {
                    using (client)
                    {
                        await Task.Delay(delay, CancellationToken.None);
                        var reply = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
                        try
                        {
                            await client.GetStream().WriteAsync(reply, CancellationToken.None);
                        }
                        catch (IOException)
                        {
                        }
                    }
                }, CancellationToken.None);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
