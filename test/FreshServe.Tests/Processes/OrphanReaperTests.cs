using System.Globalization;
using FreshServe.Processes.Unix;
using FreshServe.Tests.EndToEnd;
using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Processes;

/// <summary>
/// freshserve is a child subreaper on Linux: every orphan of a worker tree re-parents to it and, once dead, must be
/// reaped by it, while the session runs, and never a child that .NET's Process class waits for.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class OrphanReaperTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Orphans_of_a_server_whose_helpers_daemonize_leave_no_zombie_after_many_restarts()
    {
        Assert.True(OperatingSystem.IsLinux(), "child subreapers are Linux only");
        using var folder = new TempFolder();
        using var scratch = new TempFolder();
        var port = FreePort.Get();
        var page = folder.Write("page.txt", "0");
        var helpers = scratch.File("helpers.txt");

        // Each generation starts three daemons the common ways: setsid in a double fork that exits by itself, a double
        // fork without setsid that exits by itself, and a setsid daemon that lives until the tree is stopped.
        var script = folder.Write("serve.sh", $"""
            #!/bin/sh
            ( setsid sh -c 'echo $$ >> "{helpers}"; sleep 0.1' & )
            ( sh -c 'echo $$ >> "{helpers}"; sleep 0.1' & )
            ( setsid sh -c 'echo $$ >> "{helpers}"; exec sleep 300' & )
            exec '{TestPaths.TestServer}' --port {port} --content '{page}'
            """.ReplaceLineEndings("\n"));
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        await using var fs = FreshServeProcess.Start(folder.Path, ["watch", "-i", "*.txt", "--port", port.ToString(CultureInfo.InvariantCulture), "--", script]);
        await fs.WaitForLineAsync(@"ready in .*generation 1\)", Patience);
        const int generations = 10;
        for (var generation = 2; generation <= generations; generation++)
        {
            // Let this generation's short-lived daemons die under freshserve before the next restart.
            await Task.Delay(300);
            File.WriteAllText(page, generation.ToString(CultureInfo.InvariantCulture));
            // Served, whatever the generation's number: under load one write can be seen as two bursts, and the
            // generation the first one started is superseded before it is ready.
            var served = await Http.WaitForAsync(port, body => body.Contains($"content={generation}", StringComparison.Ordinal), Patience);
            Assert.True(served is not null, fs.Output);
        }

        var helperPids = (await RestartTests.ReadPidsAsync(helpers, 3 * generations)).ToList();
        fs.Track(helperPids);
        Assert.True(await WaitForNoZombiesAsync(fs.Pid, TimeSpan.FromSeconds(5)),
            $"zombies under the running freshserve: {string.Join(", ", ZombieChildren(fs.Pid))}");
        Assert.Contains("content=10", await Http.TryGetAsync(port));

        fs.Signal(ProcessProbe.SIGTERM);
        Assert.Equal(0, await fs.WaitForExitAsync(Patience));
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(helperPids, TimeSpan.FromSeconds(5)),
            $"daemons left running: {string.Join(", ", helperPids.Where(ProcessProbe.IsAlive))}");
    }

    [Fact]
    public void Only_a_zombie_orphan_outside_freshserves_group_without_a_waiter_of_its_own_is_reaped()
    {
        const int self = 100, ownGroup = 90;
        var none = new HashSet<int>();
        ProcessEntry Child(int pid, int group, bool zombie = true, int parent = self) => new(pid, parent, group, 1, zombie, false);

        Assert.True(OrphanReaper.IsOrphanZombie(Child(200, 200), self, ownGroup, none), "a dead daemon that called setsid");
        Assert.True(OrphanReaper.IsOrphanZombie(Child(201, 150), self, ownGroup, none), "a dead double-forked helper in a worker's group");
        Assert.False(OrphanReaper.IsOrphanZombie(Child(202, ownGroup), self, ownGroup, none), "a child .NET's Process class started");
        Assert.False(OrphanReaper.IsOrphanZombie(Child(150, 150), self, ownGroup, new HashSet<int> { 150 }), "a worker its waitpid thread waits for");
        Assert.False(OrphanReaper.IsOrphanZombie(Child(203, 203, zombie: false), self, ownGroup, none), "a live orphan");
        Assert.False(OrphanReaper.IsOrphanZombie(Child(204, 204, parent: 1), self, ownGroup, none), "another process's zombie");
    }

    [Fact]
    public async Task A_sweep_never_takes_the_exit_status_of_a_child_dotnet_started()
    {
        Assert.True(OperatingSystem.IsLinux(), "the reaper runs on Linux only");

        // The test host is not a subreaper, so its only zombie children are its own: sweeping while they exit must
        // leave each exit code to .NET (which would end this process with FailFast if one were stolen).
        var children = Enumerable.Range(0, 20)
            .Select(i => System.Diagnostics.Process.Start("/bin/sh", ["-c", $"exit {i + 1}"]))
            .ToList();
        while (children.Any(c => !c.HasExited))
        {
            OrphanReaper.Sweep();
            await Task.Yield();
        }

        for (var i = 0; i < children.Count; i++)
        {
            Assert.Equal(i + 1, children[i].ExitCode);
            children[i].Dispose();
        }
    }

    private static async Task<bool> WaitForNoZombiesAsync(int parent, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (ZombieChildren(parent).Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        return ZombieChildren(parent).Count == 0;
    }

    /// <summary>Children of <paramref name="parent"/> in state Z, from /proc.</summary>
    private static IReadOnlyList<int> ZombieChildren(int parent)
    {
        var zombies = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (fields[0] == "Z" && int.Parse(fields[1], CultureInfo.InvariantCulture) == parent)
                {
                    zombies.Add(pid);
                }
            }
            catch (IOException)
            {
            }
        }

        return zombies;
    }
}
