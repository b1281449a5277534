using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.EndToEnd;

/// <summary>The built tool against the test server: real processes, real sockets, real files, real signals.</summary>
public sealed class RestartTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Edit_restarts_the_server_and_the_new_generation_serves_the_new_content()
    {
        using var folder = new TempFolder();
        var content = folder.Write("page.txt", "one");
        var port = FreePort.Get();
        await using var fs = FreshServeProcess.Start(folder.Path,
            ["watch", "--", TestPaths.TestServer, "--port", port.ToString(), "--content", content]);

        await fs.WaitForLineAsync(@"ready in \d+ ms on port \d+ \(generation 1\)", Patience);
        var first = await Http.TryGetAsync(port);
        Assert.StartsWith("generation=1 ", first);
        Assert.Contains("content=one", first);
        var firstPid = fs.LoggedPids.Single();

        File.WriteAllText(content, "two");
        await fs.WaitForLineAsync(@"page\.txt changed; restarting", Patience);
        await fs.WaitForLineAsync(@"ready in \d+ ms on port \d+ \(generation 2\)", Patience);

        var second = await Http.TryGetAsync(port);
        Assert.StartsWith("generation=2 ", second);
        Assert.Contains("content=two", second);
        // The old tree's stop may still be finishing in the background: it ends, and soon.
        Assert.True(await ProcessProbe.WaitUntilGoneAsync([firstPid], TimeSpan.FromSeconds(5)), "the first generation is still running");
    }

    [Fact]
    public async Task Sigint_stops_the_whole_tree_and_exits_zero()
    {
        using var folder = new TempFolder();
        using var scratch = new TempFolder();
        var pidFile = scratch.File("pids.txt");
        var port = FreePort.Get();
        await using var fs = FreshServeProcess.Start(folder.Path,
            ["watch", "-w", folder.Path, "--", TestPaths.TestServer, "--port", port.ToString(), "--children", "2", "--pid-file", pidFile]);

        await fs.WaitForLineAsync(@"ready in", Patience);
        var pids = await ReadPidsAsync(pidFile, expected: 3);
        fs.Track(pids);
        Assert.All(pids, pid => Assert.True(ProcessProbe.IsAlive(pid)));

        fs.Signal(ProcessProbe.SIGINT);
        Assert.Equal(0, await fs.WaitForExitAsync(Patience));
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(pids, TimeSpan.FromSeconds(5)), "a worker process outlived freshserve");
        Assert.Contains("nothing left running", fs.Output);
    }

    [Fact]
    public async Task A_stop_request_delivered_twice_at_once_stays_graceful_and_a_later_second_one_forces()
    {
        using var folder = new TempFolder();
        var port = FreePort.Get();
        await using var once = FreshServeProcess.Start(folder.Path,
            ["watch", "-v", "--stop-timeout", "2s", "--", TestPaths.TestServer, "--port", port.ToString(), "--ignore-term"]);
        await once.WaitForLineAsync(@"ready in .*generation 1", Patience);

        // What timeout(1) does (its child, then its whole group) and a terminal close with a forwarding wrapper.
        once.Signal(ProcessProbe.SIGTERM);
        once.Signal(ProcessProbe.SIGHUP);
        Assert.Equal(0, await once.WaitForExitAsync(Patience));
        Assert.Equal(0, once.Count("forcing"));
        Assert.Equal(1, once.Count(@"did not exit within 2\.0 s of SIGTERM; sent SIGKILL"));

        await using var twice = FreshServeProcess.Start(folder.Path,
            ["watch", "--stop-timeout", "60s", "--", TestPaths.TestServer, "--port", port.ToString(), "--ignore-term"]);
        await twice.WaitForLineAsync(@"ready in .*generation 1", Patience);
        twice.Signal(ProcessProbe.SIGTERM);
        await twice.WaitForLineAsync("stopping", Patience);
        await Task.Delay(500);
        twice.Signal(ProcessProbe.SIGTERM);
        await twice.WaitForLineAsync("forcing: killing the whole worker tree now", Patience);
        Assert.Equal(0, await twice.WaitForExitAsync(Patience));

        // The log says what happened: killed at the second request, well before the 60 s it would have waited.
        var killed = System.Text.RegularExpressions.Regex.Match(twice.Output, @"killed the worker tree at the second Ctrl\+C \(or stop signal\), ([\d.]+) (ms|s) after SIGTERM");
        Assert.True(killed.Success, twice.Output);
        var seconds = double.Parse(killed.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) / (killed.Groups[2].Value == "ms" ? 1000 : 1);
        Assert.InRange(seconds, 0.5, 59);
        Assert.Equal(0, twice.Count("did not exit within"));
    }

    [Fact]
    public async Task A_server_that_ignores_the_stop_signal_is_killed_after_the_stop_timeout()
    {
        using var folder = new TempFolder();
        var content = folder.Write("page.txt", "one");
        using var scratch = new TempFolder();
        var pidFile = scratch.File("pids.txt");
        var port = FreePort.Get();
        await using var fs = FreshServeProcess.Start(folder.Path,
            ["watch", "-v", "--stop-timeout", "300ms", "--", TestPaths.TestServer, "--port", port.ToString(),
             "--ignore-term", "--children", "1", "--pid-file", pidFile, "--content", content]);

        await fs.WaitForLineAsync(@"ready in .*generation 1", Patience);
        var pids = await ReadPidsAsync(pidFile, expected: 2);
        fs.Track(pids);

        File.WriteAllText(content, "two");
        var killed = await fs.WaitForLineAsync(@"sent SIGKILL", Patience);
        Assert.Contains("did not exit within 300 ms of SIGTERM; sent SIGKILL. If it needs longer to shut down cleanly, give a longer --stop-timeout", killed);
        await fs.WaitForLineAsync(@"ready in .*generation 2", Patience);
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(pids, TimeSpan.FromSeconds(5)), "the first generation survived SIGKILL");
        Assert.Contains("content=two", await Http.TryGetAsync(port));
    }

    [Fact]
    public async Task A_worker_that_exits_by_itself_is_reported_and_restarted_on_the_next_change()
    {
        using var folder = new TempFolder();
        var trigger = folder.Write("app.txt", "x");
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch", "--", TestPaths.TestServer, "--exit", "3"]);

        await fs.WaitForLineAsync(@"exited with code 3 after .*waiting for a change", Patience);
        File.WriteAllText(trigger, "y");
        await fs.WaitForLineAsync(@"generation 2", Patience);
        await fs.WaitForLineAsync(@"exited with code 3", Patience, count: 2);
    }

    internal static async Task<IReadOnlyList<int>> ReadPidsAsync(string pidFile, int expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (TryReadLines(pidFile) is { } lines)
            {
                var pids = lines
                    .Where(l => l.Length > 0)
                    .Select(l => int.Parse(l.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture))
                    .ToList();
                if (pids.Count >= expected)
                {
                    return pids;
                }
            }

            await Task.Delay(20);
        }

        throw new Xunit.Sdk.XunitException($"pid file {pidFile} did not list {expected} processes");
    }

    /// <summary>The pid file's lines, or null while it is missing or a test server holds it locked to append.</summary>
    internal static string[]? TryReadLines(string pidFile)
    {
        try
        {
            return File.Exists(pidFile) ? File.ReadAllLines(pidFile) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
