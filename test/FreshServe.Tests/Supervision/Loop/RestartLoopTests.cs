using FreshServe.Watching;

namespace FreshServe.Tests.Supervision.Loop;

/// <summary>
/// The restart loop's races, on a fake launcher, fake workers, a fake machine and a fake clock (see
/// <see cref="LoopHarness"/>): each test drives one interleaving with deterministic signals and asserts the order of
/// what the loop did and its outcome. The end-to-end tests (EndToEnd/, Proxy/) check the same with real servers.
/// </summary>
public sealed class RestartLoopTests
{
    [Fact]
    public async Task A_save_stops_the_old_generation_and_starts_the_next_with_the_changed_file_once_the_burst_is_quiet()
    {
        await using var loop = LoopHarness.Plain();
        await loop.StartAsync();
        await loop.ReadyAsync(1);

        loop.Save("app.py");
        await loop.Journal.UntilAsync("stop 1");
        Assert.False(loop.Journal.Has("start 2"), loop.Journal.ToString());
        await loop.QuietAsync();
        await loop.Journal.UntilAsync("start 2");

        Assert.Equal("app.py", loop.Worker(2).Changed);
        Assert.True(loop.Journal.IndexOf("Restarting 1") < loop.Journal.IndexOf("stop 1"));
        Assert.True(loop.Journal.IndexOf("ports free 1") < loop.Journal.IndexOf("start 2"));
        await loop.ReadyAsync(2);
        Assert.Equal(0, await loop.ShutDownAsync());
        Assert.Equal(2, loop.Launcher.Workers.Count);
    }

    [Fact]
    public async Task A_burst_whose_files_came_and_went_keeps_the_generation_running_and_says_so()
    {
        await using var loop = LoopHarness.Plain();
        await loop.StartAsync();
        await loop.ReadyAsync(1);

        // A tool's temp file, created and removed again: nothing changed. A dependent service waiting for this one's
        // next ready learns from "kept running" that none comes for this burst.
        var temp = Path.Combine(loop.Settings.WatchRoots[0], "sedAb12Cd");
        loop.Changes.Post(new FileChange(temp, ChangeKind.Created));
        loop.Changes.Post(new FileChange(temp, ChangeKind.Deleted));
        await loop.Journal.UntilAsync("timer 50");
        loop.Time.Advance(50);
        await loop.Journal.UntilAsync("kept running 1");

        Assert.False(loop.Journal.Has("stop 1"), loop.Journal.ToString());
        Assert.False(loop.Journal.Has("start 2"), loop.Journal.ToString());
        Assert.Equal(0, await loop.ShutDownAsync());
    }

    [Fact]
    public async Task A_change_during_the_start_supersedes_that_generation_at_once()
    {
        await using var loop = LoopHarness.Plain();
        loop.Launcher.DuringStart = generation =>
        {
            if (generation == 1)
            {
                loop.Save("app.py");
            }
        };
        var first = await loop.StartAsync();

        await loop.QuietAsync();
        await loop.Journal.UntilAsync("start 2");
        loop.Host.MakeReady(first, LoopHarness.Port); // too late: generation 1 is gone
        await loop.ReadyAsync(2);

        Assert.Equal("app.py", loop.Worker(2).Changed);
        Assert.False(loop.ReadyLogged(1), loop.Journal.ToString());
        Assert.False(loop.Journal.Has("ready told 1"), loop.Journal.ToString());
        Assert.True(loop.Journal.IndexOf("stopped 1") < loop.Journal.IndexOf("start 2"));
        Assert.Equal(0, await loop.ShutDownAsync());
    }

    [Fact]
    public async Task A_readiness_check_answering_as_the_restart_begins_is_never_reported_nor_routed_to()
    {
        await using var loop = LoopHarness.BehindProxy();
        // Generation 1's check answers at the very moment the change supersedes it, and does not stop for the cancel.
        loop.Host.ChecksIgnoreCancellation = true;
        var first = await loop.StartAsync();
        first.HoldStop(); // still running when its answer comes
        loop.Gate.OnRestarting = generation =>
        {
            if (generation == 1)
            {
                loop.Host.MakeReady(first, loop.WorkerPort(first));
            }
        };

        loop.Save("app.py");
        await loop.Journal.UntilAsync(entries => entries.Any(e => e.StartsWith("log ReadyAfterReplaced", StringComparison.Ordinal)), "the late answer");
        first.ReleaseStop();
        await loop.QuietAsync();
        await loop.Journal.UntilAsync("start 2");
        loop.Host.ChecksIgnoreCancellation = false;
        await loop.ReadyAsync(2);

        Assert.False(loop.ReadyLogged(1), loop.Journal.ToString());
        Assert.DoesNotContain(loop.Journal.Entries, entry => entry.StartsWith("route 1:", StringComparison.Ordinal));
        Assert.Equal(2, loop.Gate.Current()?.Generation);
        Assert.Equal(0, await loop.ShutDownAsync());
    }

    [Fact]
    public async Task Behind_the_proxy_the_next_generation_starts_while_the_old_one_stops_and_the_old_one_is_never_routed_to_again()
    {
        await using var loop = LoopHarness.BehindProxy();
        var first = await loop.StartAsync();
        await loop.ReadyAsync(1);
        Assert.Equal(1, loop.Gate.Current()?.Generation);
        first.HoldStop(); // a graceful shutdown that takes its time

        loop.Save("app.py");
        await loop.QuietAsync();
        await loop.Journal.UntilAsync("start 2");
        var second = loop.Worker(2);

        Assert.False(first.Exited.IsCompleted, "the next generation waited for the old tree to be gone");
        Assert.NotEqual(loop.WorkerPort(first), loop.WorkerPort(second));
        Assert.Equal($"serve --port {loop.WorkerPort(second)}", second.Spec.Arguments[1]);
        Assert.Null(loop.Gate.Current()); // requests wait: never the old generation
        await loop.ReadyAsync(2);
        Assert.Equal(2, loop.Gate.Current()?.Generation);

        var changeSeen = loop.Journal.IndexOf("restarting 1");
        var entries = loop.Journal.Entries;
        Assert.DoesNotContain(entries.Skip(changeSeen), entry => entry.StartsWith("route 1:", StringComparison.Ordinal));
        Assert.True(changeSeen < loop.Journal.IndexOf("stop 1"));
        Assert.Contains(entries, entry => LoopHarness.IsReadyLine(entry, 2) && entry.Contains("(generation 1 still stopping)", StringComparison.Ordinal));

        // Shutdown awaits the old generation's stop too.
        loop.Shutdown();
        await loop.Journal.UntilAsync("stopped 2");
        Assert.False(loop.Run.IsCompleted, "the loop ended while generation 1 was still stopping");
        first.ReleaseStop();
        Assert.Equal(0, await loop.Run.WaitAsync(TimeSpan.FromSeconds(10)));
        loop.AssertAllEnded();
    }

    [Fact]
    public async Task In_plain_mode_the_next_generation_starts_once_every_port_of_the_old_tree_is_free_not_when_it_is_gone()
    {
        await using var loop = LoopHarness.Plain();
        var first = await loop.StartAsync();
        await loop.ReadyAsync(1);
        loop.Host.Listen(first, 9229); // a debugger's port beside the server's
        first.HoldStop();

        loop.Save("app.py");
        await loop.QuietAsync();
        await loop.Journal.UntilAsync("log Restarting ↻ app.py changed; restarting");
        await loop.Journal.UntilAsync("awaiting ports 8000, 9229");
        Assert.False(loop.Journal.Has("start 2"), loop.Journal.ToString());

        loop.Host.ReleaseAll(first); // it closed its sockets, and is still shutting down
        await loop.Journal.UntilAsync("start 2");
        Assert.False(first.Exited.IsCompleted);
        await loop.ReadyAsync(2);
        Assert.Contains(loop.Journal.Entries, entry => entry.Contains("ports 8000, 9229 are free", StringComparison.Ordinal));
        Assert.True(loop.Journal.IndexOf("ports free 1") < loop.Journal.IndexOf("start 2"));

        first.ReleaseStop();
        await loop.Journal.UntilAsync("stopped 1");
        Assert.Equal(0, await loop.ShutDownAsync());
    }

    [Fact]
    public async Task With_stop_before_start_a_change_during_the_stop_restarts_again_after_the_next_start()
    {
        await using var loop = LoopHarness.Plain(settings => settings with { StopBeforeStart = true });
        var first = await loop.StartAsync();
        await loop.ReadyAsync(1);
        first.HoldStop();

        loop.Save("a.py");
        await loop.QuietAsync();
        await loop.Journal.UntilAsync("log Restarting ↻ a.py changed; restarting");
        loop.Save("b.py"); // while generation 1 is still stopping
        Assert.False(loop.Journal.Has("start 2"), loop.Journal.ToString());
        first.ReleaseStop();

        await loop.QuietAsync(times: 2);
        await loop.Journal.UntilAsync("start 3");
        Assert.Equal("a.py", loop.Worker(2).Changed);
        Assert.Equal("b.py", loop.Worker(3).Changed);
        Assert.True(loop.Journal.IndexOf("stopped 1") < loop.Journal.IndexOf("start 2"));
        Assert.True(loop.Journal.IndexOf("stopped 2") < loop.Journal.IndexOf("start 3"));
        await loop.ReadyAsync(3);
        Assert.False(loop.ReadyLogged(2));
        Assert.Equal(0, await loop.ShutDownAsync());
    }

    [Fact]
    public async Task A_superseded_generation_is_stopped_and_never_reported_ready_nor_served()
    {
        await using var loop = LoopHarness.BehindProxy();
        await loop.StartAsync();
        await loop.ReadyAsync(1);

        // Generation 2's check answers at the very moment the next change supersedes it, and does not stop for the cancel.
        loop.Host.ChecksIgnoreCancellation = true;
        loop.Save("a.py");
        await loop.QuietAsync();
        await loop.Journal.UntilAsync("start 2");
        var second = loop.Worker(2);
        second.HoldStop(); // still running when its answer comes
        loop.Gate.OnRestarting = generation =>
        {
            if (generation == 2)
            {
                loop.Host.MakeReady(second, loop.WorkerPort(second));
            }
        };

        loop.Save("b.py"); // before generation 2 is ready
        await loop.Journal.UntilAsync(entries => entries.Any(e => e.StartsWith("log ReadyAfterReplaced", StringComparison.Ordinal)), "the late answer");
        second.ReleaseStop();
        await loop.QuietAsync(times: 2);
        await loop.Journal.UntilAsync("start 3");
        loop.Host.ChecksIgnoreCancellation = false;
        await loop.ReadyAsync(3);

        Assert.True(second.Exited.IsCompleted);
        Assert.False(loop.ReadyLogged(2), loop.Journal.ToString());
        Assert.False(loop.Journal.Has("ready told 2"), loop.Journal.ToString());
        Assert.DoesNotContain(loop.Journal.Entries, entry => entry.StartsWith("route 2:", StringComparison.Ordinal));
        Assert.Equal(3, loop.Gate.Current()?.Generation);
        Assert.Equal("b.py", loop.Worker(3).Changed);
        Assert.Equal(0, await loop.ShutDownAsync());
    }

    [Fact]
    public async Task A_change_during_a_crash_pause_restarts_at_once_and_the_pause_is_dropped()
    {
        await using var loop = LoopHarness.Plain(settings => settings with { RestartOnCrash = true });
        var first = await loop.StartAsync();
        await loop.ReadyAsync(1);

        first.Exit(1);
        await loop.Journal.UntilAsync("timer 500");
        await loop.Journal.UntilAsync("WaitingForChange 1");
        var crashedAt = loop.Time.GetTimestamp();
        loop.Save("fix.py");
        await loop.QuietAsync();
        await loop.Journal.UntilAsync("start 2");

        Assert.True(loop.Time.GetElapsedTime(crashedAt) < TimeSpan.FromMilliseconds(500));
        Assert.Equal("fix.py", loop.Worker(2).Changed);
        Assert.DoesNotContain(loop.Journal.Entries, entry => entry.Contains("after a crash", StringComparison.Ordinal));

        // The dropped pause never starts anything: the next start is the next save's.
        loop.Time.Advance(1000);
        loop.Save("again.py");
        await loop.QuietAsync(times: 2);
        await loop.Journal.UntilAsync("start 3");
        Assert.Equal("again.py", loop.Worker(3).Changed);
        Assert.Equal(0, await loop.ShutDownAsync());
    }

    [Fact]
    public async Task A_crash_and_a_save_at_the_same_moment_give_one_restart_that_serves_the_save()
    {
        await using var loop = LoopHarness.Plain(settings => settings with { RestartOnCrash = true });
        var first = await loop.StartAsync();
        await loop.ReadyAsync(1);

        // Whichever the loop sees first, the outcome is the same.
        loop.Save("app.py");
        first.Exit(1);
        await loop.QuietAsync();
        await loop.Journal.UntilAsync("start 2");
        Assert.Equal("app.py", loop.Worker(2).Changed);

        loop.Time.Advance(1000);
        loop.Save("next.py");
        await loop.QuietAsync(times: 2);
        await loop.Journal.UntilAsync("start 3");
        Assert.Equal("next.py", loop.Worker(3).Changed);
        Assert.Equal(0, await loop.ShutDownAsync());
    }

    [Fact]
    public async Task A_crash_waits_its_growing_pause_on_the_clock_before_the_next_start()
    {
        await using var loop = LoopHarness.Plain(settings => settings with { RestartOnCrash = true });
        var first = await loop.StartAsync();

        first.Exit(1);
        await loop.Journal.UntilAsync("timer 500");
        loop.Time.Advance(499);
        Assert.False(loop.Journal.Has("start 2"), loop.Journal.ToString());
        loop.Time.Advance(1);
        await loop.Journal.UntilAsync("start 2");

        loop.Worker(2).Exit(1);
        await loop.Journal.UntilAsync("timer 1000");
        loop.Time.Advance(999);
        Assert.False(loop.Journal.Has("start 3"), loop.Journal.ToString());
        loop.Time.Advance(1);
        await loop.Journal.UntilAsync("start 3");
        await loop.ReadyAsync(3);
        Assert.Contains(loop.Journal.Entries, entry => LoopHarness.IsReadyLine(entry, 3) && entry.Contains("restart 2 after a crash", StringComparison.Ordinal));
        Assert.Equal(0, await loop.ShutDownAsync());
    }

    [Fact]
    public async Task Key_r_inside_a_burst_gives_one_restart_that_serves_the_whole_burst()
    {
        await using var loop = LoopHarness.Plain();
        await loop.StartAsync();
        await loop.ReadyAsync(1);

        loop.Save("a.py");
        await loop.Journal.UntilAsync("timer 10");
        loop.Supervisor.RequestRestart();
        loop.Save("b.py");
        loop.Time.Advance(10);
        await loop.Journal.UntilAsync("start 2");
        Assert.Equal($"a.py{Path.PathSeparator}b.py", loop.Worker(2).Changed);
        await loop.ReadyAsync(2);

        // The key press was served by that restart: the next start is the next save's.
        loop.Save("c.py");
        await loop.QuietAsync(times: 2);
        await loop.Journal.UntilAsync("start 3");
        Assert.Equal("c.py", loop.Worker(3).Changed);
        Assert.Equal(0, await loop.ShutDownAsync());
    }

    [Fact]
    public async Task Key_r_and_a_save_at_the_same_moment_give_one_restart_that_serves_the_save()
    {
        await using var loop = LoopHarness.Plain();
        await loop.StartAsync();
        await loop.ReadyAsync(1);

        loop.Save("a.py");
        loop.Supervisor.RequestRestart();
        await loop.QuietAsync();
        await loop.Journal.UntilAsync("start 2");
        Assert.Equal("a.py", loop.Worker(2).Changed);

        loop.Save("b.py");
        await loop.QuietAsync(times: 2);
        await loop.Journal.UntilAsync("start 3");
        Assert.Equal("b.py", loop.Worker(3).Changed);
        Assert.Equal(0, await loop.ShutDownAsync());
    }

    [Fact]
    public async Task Key_r_pressed_while_the_next_generation_is_spawned_is_not_lost()
    {
        await using var loop = LoopHarness.Plain();
        loop.Launcher.DuringStart = generation =>
        {
            if (generation == 2)
            {
                loop.Supervisor.RequestRestart();
            }
        };
        await loop.StartAsync();
        await loop.ReadyAsync(1);

        loop.Save("a.py");
        await loop.QuietAsync();
        await loop.Journal.UntilAsync("start 2");
        await loop.Journal.UntilAsync("start 3");
        await loop.ReadyAsync(3);
        Assert.Contains(loop.Journal.Entries, entry => LoopHarness.IsReadyLine(entry, 3) && entry.Contains("restart requested", StringComparison.Ordinal));
        Assert.False(loop.ReadyLogged(2), loop.Journal.ToString());
        Assert.Equal(0, await loop.ShutDownAsync());
        Assert.Equal([1, 2, 3], loop.Launcher.Workers.Select(worker => worker.Generation));
    }

    [Fact]
    public async Task After_a_failed_start_a_save_or_key_r_takes_the_same_restart_path()
    {
        await using var loop = LoopHarness.Plain();
        loop.Launcher.Failing.Add(2);
        await loop.StartAsync();
        await loop.ReadyAsync(1);

        loop.Save("a.py");
        await loop.QuietAsync();
        await loop.Journal.UntilAsync("WaitingForChange 2");
        Assert.Contains(loop.Journal.Entries, entry => entry.StartsWith("log CannotStart", StringComparison.Ordinal));

        loop.Supervisor.RequestRestart();
        await loop.Journal.UntilAsync("start 3");
        await loop.ReadyAsync(3);
        Assert.Contains(loop.Journal.Entries, entry => LoopHarness.IsReadyLine(entry, 3) && entry.Contains("restart requested", StringComparison.Ordinal));
        Assert.True(loop.Journal.IndexOf("Restarting 2") < loop.Journal.IndexOf("start 3"));
        Assert.Equal(0, await loop.ShutDownAsync());
        Assert.Equal([1, 3], loop.Launcher.Workers.Select(worker => worker.Generation));
    }

    public enum Phase
    {
        Spawning,
        Starting,
        Ready,
        AfterFailedStart,
        AfterExit,
        WaitingForQuiet,
        WaitingForTheOldTree,
    }

    [Theory]
    [InlineData(Phase.Spawning)]
    [InlineData(Phase.Starting)]
    [InlineData(Phase.Ready)]
    [InlineData(Phase.AfterFailedStart)]
    [InlineData(Phase.AfterExit)]
    [InlineData(Phase.WaitingForQuiet)]
    [InlineData(Phase.WaitingForTheOldTree)]
    public async Task Shutdown_in_any_phase_stops_everything_started_and_starts_nothing_more(Phase phase)
    {
        await using var loop = LoopHarness.Plain(settings => settings with { StopBeforeStart = phase == Phase.WaitingForTheOldTree });
        if (phase == Phase.Spawning)
        {
            loop.Launcher.DuringStart = _ => loop.Shutdown();
        }

        loop.Launcher.Failing.Add(2);
        var first = await loop.StartAsync();
        if (phase is not (Phase.Spawning or Phase.Starting))
        {
            await loop.ReadyAsync(1);
        }

        switch (phase)
        {
            case Phase.AfterFailedStart:
                loop.Save("a.py");
                await loop.QuietAsync();
                await loop.Journal.UntilAsync("WaitingForChange 2");
                break;
            case Phase.AfterExit:
                first.Exit(3);
                await loop.Journal.UntilAsync("WaitingForChange 1");
                break;
            case Phase.WaitingForQuiet:
                loop.Save("a.py");
                await loop.Journal.UntilAsync("timer 10");
                break;
            case Phase.WaitingForTheOldTree:
                first.HoldStop();
                loop.Save("a.py");
                await loop.QuietAsync();
                await loop.Journal.UntilAsync("log Restarting ↻ a.py changed; restarting");
                break;
        }

        loop.Shutdown();
        if (phase == Phase.WaitingForTheOldTree)
        {
            // The graceful stop under way is waited for; a second Ctrl+C cuts it short.
            Assert.False(loop.Run.IsCompleted);
            loop.Force();
        }

        Assert.Equal(0, await loop.ShutDownAsync());
        Assert.Single(loop.Launcher.Workers);
        Assert.Equal(phase == Phase.AfterFailedStart ? "Stopped 2" : "Stopped 1", loop.Journal.Entries.Last(entry => entry.StartsWith("Stopped ", StringComparison.Ordinal)));
        Assert.Contains(loop.Journal.Entries, entry => entry.StartsWith("log ShutDown", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_second_ctrl_c_cuts_the_graceful_stop_short()
    {
        await using var loop = LoopHarness.Plain();
        var first = await loop.StartAsync();
        await loop.ReadyAsync(1);
        first.HoldStop();

        loop.Shutdown();
        await loop.Journal.UntilAsync("stop 1");
        Assert.Contains("Stopping 1", loop.Journal.Entries);
        Assert.False(loop.Run.IsCompleted);
        loop.Force();

        Assert.Equal(0, await loop.ShutDownAsync());
        Assert.Contains(loop.Journal.Entries, entry => entry.StartsWith("log KilledAtSecondRequest", StringComparison.Ordinal));
        Assert.Contains(loop.Journal.Entries, entry => entry.StartsWith("log Stopped", StringComparison.Ordinal) && entry.Contains("(forced)", StringComparison.Ordinal));
    }
}
