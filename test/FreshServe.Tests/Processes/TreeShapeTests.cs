using FreshServe.Tests.EndToEnd;
using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Processes;

/// <summary>
/// Every shape of worker tree is gone after a restart, a stop, or freshserve being killed: shell wrappers, children
/// that leave the process group, orphans whose parent already exited, servers that ignore SIGTERM, forked pools.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class TreeShapeTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Restart_kills_a_server_run_as_a_grandchild_through_a_shell_script()
    {
        using var folder = new TempFolder();
        using var scratch = new TempFolder();
        var content = folder.Write("page.txt", "one");
        var pidFile = scratch.File("pids.txt");
        var port = FreePort.Get();
        // Not "exec": the shell stays as the parent, like most npm scripts and wrappers.
        var script = scratch.Write("run.sh",
            $"#!/bin/sh\n'{TestPaths.TestServer}' --port {port} --content '{content}' --pid-file '{pidFile}' --children 1\necho server ended\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch", "-w", folder.Path, "--port", port.ToString(), "--", script]);

        var started = await fs.WaitForLineAsync(@"started .*\(pid \d+", Patience);
        var shell = int.Parse(System.Text.RegularExpressions.Regex.Match(started, @"\(pid (\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        await fs.WaitForLineAsync(@"ready in .*generation 1", Patience);
        var first = await RestartTests.ReadPidsAsync(pidFile, expected: 2);
        fs.Track(first);

        File.WriteAllText(content, "two");
        await fs.WaitForLineAsync(@"ready in .*generation 2", Patience);
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(first.Append(shell), TimeSpan.FromSeconds(5)), "a process of generation 1 survived the restart");
        Assert.Contains("content=two", await Http.TryGetAsync(port));
    }

    [Fact]
    public async Task Restart_kills_a_child_that_left_the_process_group_with_setsid()
    {
        using var folder = new TempFolder();
        using var scratch = new TempFolder();
        var content = folder.Write("page.txt", "one");
        var pidFile = scratch.File("pids.txt");
        var port = FreePort.Get();
        await using var fs = FreshServeProcess.Start(folder.Path,
            ["watch", "-w", folder.Path, "--", TestPaths.TestServer, "--port", port.ToString(), "--content", content, "--pid-file", pidFile, "--setsid-child"]);

        await fs.WaitForLineAsync(@"ready in .*generation 1", Patience);
        var first = await RestartTests.ReadPidsAsync(pidFile, expected: 2);
        fs.Track(first);

        File.WriteAllText(content, "two");
        await fs.WaitForLineAsync(@"ready in .*generation 2", Patience);
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(first, TimeSpan.FromSeconds(5)), "the setsid child of generation 1 survived the restart");
        Assert.Contains("generation=2", await Http.TryGetAsync(port));
        fs.Track(await RestartTests.ReadPidsAsync(pidFile, expected: 4));
    }

    [Fact]
    public async Task Restart_kills_an_orphaned_grandchild_whose_parent_already_exited()
    {
        using var folder = new TempFolder();
        using var scratch = new TempFolder();
        var content = folder.Write("page.txt", "one");
        var pidFile = scratch.File("pids.txt");
        var port = FreePort.Get();
        await using var fs = FreshServeProcess.Start(folder.Path,
            ["watch", "-w", folder.Path, "--", TestPaths.TestServer, "--port", port.ToString(), "--content", content, "--pid-file", pidFile, "--orphan-grandchild"]);

        await fs.WaitForLineAsync(@"ready in .*generation 1", Patience);
        var first = await RestartTests.ReadPidsAsync(pidFile, expected: 3);
        fs.Track(first);
        var orphan = await PidOfRoleAsync(pidFile, "root.mid.setsid");
        Assert.True(await ProcessProbe.WaitUntilGoneAsync([await PidOfRoleAsync(pidFile, "root.mid")], Patience), "the middle process did not exit");
        Assert.True(ProcessProbe.IsAlive(orphan));

        File.WriteAllText(content, "two");
        await fs.WaitForLineAsync(@"ready in .*generation 2", Patience);
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(first, TimeSpan.FromSeconds(5)), "the orphaned grandchild survived the restart");
        fs.Track(await RestartTests.ReadPidsAsync(pidFile, expected: 6));
    }

    [Fact]
    public async Task Stop_kills_a_tree_that_ignores_sigterm_everywhere_at_the_stop_timeout()
    {
        using var folder = new TempFolder();
        using var scratch = new TempFolder();
        var pidFile = scratch.File("pids.txt");
        var port = FreePort.Get();
        await using var fs = FreshServeProcess.Start(folder.Path,
            ["watch", "-v", "-w", folder.Path, "--stop-timeout", "500ms", "--", TestPaths.TestServer, "--port", port.ToString(),
             "--pid-file", pidFile, "--ignore-term", "--children", "2", "--setsid-child"]);

        await fs.WaitForLineAsync(@"ready in", Patience);
        var pids = await RestartTests.ReadPidsAsync(pidFile, expected: 4);
        fs.Track(pids);

        fs.Signal(ProcessProbe.SIGTERM);
        Assert.Equal(0, await fs.WaitForExitAsync(Patience));
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(pids, TimeSpan.FromSeconds(5)), "a process that ignored SIGTERM outlived freshserve");
        Assert.Contains("sent SIGKILL", fs.Output);
    }

    [Fact]
    public async Task Restart_kills_every_worker_of_a_forking_pool()
    {
        using var folder = new TempFolder();
        using var scratch = new TempFolder();
        var content = folder.Write("page.txt", "one");
        var pidFile = scratch.File("pids.txt");
        var port = FreePort.Get();
        await using var fs = FreshServeProcess.Start(folder.Path,
            ["watch", "-w", folder.Path, "--", TestPaths.TestServer, "--port", port.ToString(), "--content", content, "--pid-file", pidFile, "--children", "4"]);

        await fs.WaitForLineAsync(@"ready in .*generation 1", Patience);
        var first = await RestartTests.ReadPidsAsync(pidFile, expected: 5);
        fs.Track(first);

        File.WriteAllText(content, "two");
        await fs.WaitForLineAsync(@"ready in .*generation 2", Patience);
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(first, TimeSpan.FromSeconds(5)), "a pool worker of generation 1 survived the restart");
        fs.Track(await RestartTests.ReadPidsAsync(pidFile, expected: 10));
    }

    [Fact]
    public async Task Sigkilled_freshserve_takes_the_whole_tree_with_it_within_two_seconds()
    {
        using var folder = new TempFolder();
        using var scratch = new TempFolder();
        var pidFile = scratch.File("pids.txt");
        var port = FreePort.Get();
        var script = scratch.Write("run.sh",
            $"#!/bin/sh\n'{TestPaths.TestServer}' --port {port} --pid-file '{pidFile}' --children 2 --setsid-child --orphan-grandchild --ignore-term\necho server ended\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch", "-w", folder.Path, "--port", port.ToString(), "--", script]);

        await fs.WaitForLineAsync(@"ready in", Patience);
        var pids = await RestartTests.ReadPidsAsync(pidFile, expected: 6);
        var tree = pids.Concat(fs.LoggedPids).Concat(ProcessProbe.Descendants(fs.Pid)).Distinct().ToList();
        fs.Track(tree);

        fs.Signal(ProcessProbe.SIGKILL);
        await fs.WaitForExitAsync(Patience);
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(tree, TimeSpan.FromSeconds(2)),
            $"still running 2 s after freshserve was killed: {string.Join(", ", tree.Where(ProcessProbe.IsAlive))}");
    }

    [Fact]
    public async Task A_closed_terminal_sighup_stops_the_tree_including_what_left_the_group()
    {
        using var folder = new TempFolder();
        using var scratch = new TempFolder();
        var pidFile = scratch.File("pids.txt");
        var port = FreePort.Get();
        await using var fs = FreshServeProcess.Start(folder.Path,
            ["watch", "-w", folder.Path, "--", TestPaths.TestServer, "--port", port.ToString(), "--pid-file", pidFile, "--setsid-child", "--orphan-grandchild"]);

        await fs.WaitForLineAsync(@"ready in", Patience);
        var pids = await RestartTests.ReadPidsAsync(pidFile, expected: 4);
        fs.Track(pids);

        fs.Signal(ProcessProbe.SIGHUP);
        Assert.Equal(0, await fs.WaitForExitAsync(Patience));
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(pids, TimeSpan.FromSeconds(5)), "a worker process outlived the closed terminal");
    }

    [Fact]
    public async Task A_process_freshserve_did_not_start_is_never_touched()
    {
        using var folder = new TempFolder();
        using var scratch = new TempFolder();
        var port = FreePort.Get();
        var stranger = System.Diagnostics.Process.Start(TestPaths.TestServer, ["--role", "stranger"]);
        try
        {
            await using (var fs = FreshServeProcess.Start(folder.Path,
                ["watch", "-w", folder.Path, "--", TestPaths.TestServer, "--port", port.ToString(), "--children", "1"]))
            {
                await fs.WaitForLineAsync(@"ready in", Patience);
                fs.Signal(ProcessProbe.SIGKILL);
                await fs.WaitForExitAsync(Patience);
            }

            Assert.True(ProcessProbe.IsAlive(stranger.Id), "freshserve's guard killed a process it did not start");
        }
        finally
        {
            stranger.Kill();
            await stranger.WaitForExitAsync();
            stranger.Dispose();
        }
    }

    private static async Task<int> PidOfRoleAsync(string pidFile, string role)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            var line = RestartTests.TryReadLines(pidFile)?.FirstOrDefault(l => l.EndsWith(" " + role, StringComparison.Ordinal));
            if (line is not null)
            {
                return int.Parse(line.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            }

            await Task.Delay(20);
        }

        throw new Xunit.Sdk.XunitException($"no process with role {role} in {pidFile}");
    }
}
