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
    private static readonly TimeSpan Gone = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Restart_kills_a_server_run_as_a_grandchild_through_a_shell_script()
    {
        // Not "exec": the shell stays as the parent, like most npm scripts and wrappers.
        await using var tree = await TreeUnderTest.StartThroughShellAsync("--content", "{content}", "--children", "1");
        var started = await tree.Fs.WaitForLineAsync(@"started .*\(pid \d+", Patience);
        var shell = int.Parse(System.Text.RegularExpressions.Regex.Match(started, @"\(pid (\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var first = await tree.ReadyAsync(expectedProcesses: 2);

        await tree.EditAndWaitForGeneration2Async();
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(first.Append(shell), Gone), "a process of generation 1 survived the restart");
        Assert.Contains("content=two", await Http.TryGetAsync(tree.Port));
    }

    [Fact]
    public async Task Restart_kills_a_child_that_left_the_process_group_with_setsid()
    {
        await using var tree = await TreeUnderTest.StartAsync("--content", "{content}", "--setsid-child");
        var first = await tree.ReadyAsync(expectedProcesses: 2);

        await tree.EditAndWaitForGeneration2Async();
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(first, Gone), "the setsid child of generation 1 survived the restart");
        Assert.Contains("generation=2", await Http.TryGetAsync(tree.Port));
        await tree.TrackAsync(expectedProcesses: 4);
    }

    [Fact]
    public async Task Restart_kills_an_orphaned_grandchild_whose_parent_already_exited()
    {
        await using var tree = await TreeUnderTest.StartAsync("--content", "{content}", "--orphan-grandchild");
        var first = await tree.ReadyAsync(expectedProcesses: 3);
        var orphan = await tree.PidOfRoleAsync("root.mid.setsid");
        Assert.True(await ProcessProbe.WaitUntilGoneAsync([await tree.PidOfRoleAsync("root.mid")], Patience), "the middle process did not exit");
        Assert.True(ProcessProbe.IsAlive(orphan));

        await tree.EditAndWaitForGeneration2Async();
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(first, Gone), "the orphaned grandchild survived the restart");
        await tree.TrackAsync(expectedProcesses: 6);
    }

    [Fact]
    public async Task Stop_kills_a_tree_that_ignores_sigterm_everywhere_at_the_stop_timeout()
    {
        await using var tree = await TreeUnderTest.StartAsync(["-v", "--stop-timeout", "500ms"],
            "--ignore-term", "--children", "2", "--setsid-child");
        var pids = await tree.ReadyAsync(expectedProcesses: 4);

        tree.Fs.Signal(ProcessProbe.SIGTERM);
        Assert.Equal(0, await tree.Fs.WaitForExitAsync(Patience));
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(pids, Gone), "a process that ignored SIGTERM outlived freshserve");
        Assert.Contains("sent SIGKILL", tree.Fs.Output);
    }

    [Fact]
    public async Task Restart_kills_every_worker_of_a_forking_pool()
    {
        await using var tree = await TreeUnderTest.StartAsync("--content", "{content}", "--children", "4");
        var first = await tree.ReadyAsync(expectedProcesses: 5);

        await tree.EditAndWaitForGeneration2Async();
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(first, Gone), "a pool worker of generation 1 survived the restart");
        await tree.TrackAsync(expectedProcesses: 10);
    }

    [Fact]
    public async Task Sigkilled_freshserve_takes_the_whole_tree_with_it_within_two_seconds()
    {
        await using var tree = await TreeUnderTest.StartThroughShellAsync("--children", "2", "--setsid-child", "--orphan-grandchild", "--ignore-term");
        var pids = await tree.ReadyAsync(expectedProcesses: 6);
        var all = pids.Concat(tree.Fs.LoggedPids).Concat(ProcessProbe.Descendants(tree.Fs.Pid)).Distinct().ToList();
        tree.Fs.Track(all);

        tree.Fs.Signal(ProcessProbe.SIGKILL);
        await tree.Fs.WaitForExitAsync(Patience);
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(all, TimeSpan.FromSeconds(2)),
            $"still running 2 s after freshserve was killed: {string.Join(", ", all.Where(ProcessProbe.IsAlive))}");
    }

    [Fact]
    public async Task A_closed_terminal_sighup_stops_the_tree_including_what_left_the_group()
    {
        await using var tree = await TreeUnderTest.StartAsync("--setsid-child", "--orphan-grandchild");
        var pids = await tree.ReadyAsync(expectedProcesses: 4);

        tree.Fs.Signal(ProcessProbe.SIGHUP);
        Assert.Equal(0, await tree.Fs.WaitForExitAsync(Patience));
        Assert.Contains("SIGHUP received (the terminal closed)", tree.Fs.Output, StringComparison.Ordinal);
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(pids, Gone), "a worker process outlived the closed terminal");
    }

    [Fact]
    public async Task A_process_freshserve_did_not_start_is_never_touched()
    {
        var stranger = System.Diagnostics.Process.Start(TestPaths.TestServer, ["--role", "stranger"]);
        try
        {
            await using (var tree = await TreeUnderTest.StartAsync("--children", "1"))
            {
                await tree.ReadyAsync(expectedProcesses: 2);
                tree.Fs.Signal(ProcessProbe.SIGKILL);
                await tree.Fs.WaitForExitAsync(Patience);
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

    /// <summary>
    /// freshserve watching a folder with the test server as its worker, in the shape the arguments ask for. The pid
    /// file (outside the watched folder) lists every process of the tree; "{content}" stands for the page file.
    /// </summary>
    private sealed class TreeUnderTest : IAsyncDisposable
    {
        private readonly TempFolder _folder = new();
        private readonly TempFolder _scratch = new();

        private TreeUnderTest()
        {
            Content = _folder.Write("page.txt", "one");
            PidFile = _scratch.File("pids.txt");
            Port = FreePort.Get();
        }

        public string Content { get; }
        public string PidFile { get; }
        public int Port { get; }
        public FreshServeProcess Fs { get; private set; } = null!;

        public static Task<TreeUnderTest> StartAsync(params string[] shape) => StartAsync([], shape);

        public static Task<TreeUnderTest> StartAsync(string[] watchOptions, params string[] shape)
        {
            var tree = new TreeUnderTest();
            tree.Fs = FreshServeProcess.Start(tree._folder.Path,
                ["watch", "-w", tree._folder.Path, .. watchOptions, "--", TestPaths.TestServer, .. tree.ServerArguments(shape)]);
            return Task.FromResult(tree);
        }

        /// <summary>The test server started by a shell script that stays its parent.</summary>
        public static Task<TreeUnderTest> StartThroughShellAsync(params string[] shape)
        {
            var tree = new TreeUnderTest();
            var arguments = string.Join(' ', tree.ServerArguments(shape).Select(a => $"'{a}'"));
            var script = tree._scratch.Write("run.sh", $"#!/bin/sh\n'{TestPaths.TestServer}' {arguments}\necho server ended\n");
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            tree.Fs = FreshServeProcess.Start(tree._folder.Path, ["watch", "-w", tree._folder.Path, "--port", tree.Port.ToString(), "--", script]);
            return Task.FromResult(tree);
        }

        private string[] ServerArguments(string[] shape) =>
            ["--port", Port.ToString(), "--pid-file", PidFile, .. shape.Select(a => a == "{content}" ? Content : a)];

        /// <summary>Waits for generation 1 to be ready and returns (and tracks) the pids of its tree.</summary>
        public async Task<IReadOnlyList<int>> ReadyAsync(int expectedProcesses)
        {
            await Fs.WaitForLineAsync(@"ready in .*generation 1", Patience);
            return await TrackAsync(expectedProcesses);
        }

        public async Task<IReadOnlyList<int>> TrackAsync(int expectedProcesses)
        {
            var pids = await RestartTests.ReadPidsAsync(PidFile, expectedProcesses);
            Fs.Track(pids);
            return pids;
        }

        public async Task EditAndWaitForGeneration2Async()
        {
            File.WriteAllText(Content, "two");
            await Fs.WaitForLineAsync(@"ready in .*generation 2", Patience);
        }

        public async Task<int> PidOfRoleAsync(string role)
        {
            var deadline = DateTime.UtcNow + Patience;
            while (DateTime.UtcNow < deadline)
            {
                var line = RestartTests.TryReadLines(PidFile)?.FirstOrDefault(l => l.EndsWith(" " + role, StringComparison.Ordinal));
                if (line is not null)
                {
                    return int.Parse(line.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
                }

                await Task.Delay(20);
            }

            throw new Xunit.Sdk.XunitException($"no process with role {role} in {PidFile}");
        }

        public async ValueTask DisposeAsync()
        {
            await Fs.DisposeAsync();
            _folder.Dispose();
            _scratch.Dispose();
        }
    }
}
