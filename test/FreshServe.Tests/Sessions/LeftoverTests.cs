using FreshServe.Processes;
using FreshServe.Sessions;
using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Sessions;

/// <summary>Leftovers of a freshserve that died: stopped when proved to be its worker, never when the pid was reused.</summary>
public sealed class LeftoverTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_live_worker_group_of_a_dead_session_for_this_folder_is_stopped_on_start()
    {
        using var sessions = new SessionTestEnvironment();
        using var folder = new TempFolder();
        using var scratch = new TempFolder();
        var pidFile = scratch.File("pids.txt");
        var port = FreePort.Get();
        var (deadPid, deadStart) = SessionTestEnvironment.GoneSupervisor();
        var record = new SessionRecord
        {
            Pid = deadPid,
            StartTime = deadStart,
            Folder = folder.Path,
            Port = port,
            Command = "testserver (left over)",
            StartedAt = DateTimeOffset.Now.AddMinutes(-5),
        };

        // The worker a real freshserve would have left: leads its own group, has a child, carries the session marker.
        using var leftover = TestServerProcess.Start(
            ["--port", port.ToString(), "--children", "1", "--pid-file", pidFile],
            ownSession: true, env: new Dictionary<string, string> { [ProcessMarker.Variable] = ProcessMarker.Value(record.Id, 1) });
        await leftover.WaitUntilListeningAsync();
        var pids = await leftover.ReadPidFileAsync(pidFile, expected: 2);
        sessions.Registry.Write(record with
        {
            WorkerPid = leftover.Pid,
            WorkerGroup = leftover.Pid,
            WorkerStartTime = ProcessStartTime.Of(leftover.Pid),
        });

        await using var fs = sessions.StartFreshServe(folder.Path, "watch", "--", TestPaths.TestServer, "--port", port.ToString());
        await fs.WaitForLineAsync(@"stopped pid\(s\) .* left running by an earlier freshserve that died", Patience);
        await fs.WaitForLineAsync(@"ready in \d+ ms on port \d+ \(generation 1\)", Patience);

        Assert.True(await ProcessProbe.WaitUntilGoneAsync(pids, TimeSpan.FromSeconds(5)), "the leftover worker tree survived");
        Assert.StartsWith("generation=1 ", await Http.TryGetAsync(port));
        Assert.DoesNotContain(sessions.Registry.ReadAll(), r => r.Id == record.Id);
    }

    [Fact]
    public async Task A_recorded_worker_pid_now_owned_by_another_process_is_never_signalled()
    {
        using var sessions = new SessionTestEnvironment();
        using var folder = new TempFolder();
        var (deadPid, deadStart) = SessionTestEnvironment.GoneSupervisor();

        // Alive, in its own group, and under the recorded pid, but started at another time: a reused pid.
        using var bystander = TestServerProcess.Start(["--port", FreePort.Get().ToString()], ownSession: true);
        await bystander.WaitUntilListeningAsync();
        var realStart = ProcessStartTime.Of(bystander.Pid);
        Assert.NotNull(realStart);
        var record = new SessionRecord
        {
            Pid = deadPid,
            StartTime = deadStart,
            Folder = folder.Path,
            Command = "testserver (long gone)",
            StartedAt = DateTimeOffset.Now.AddHours(-1),
            WorkerPid = bystander.Pid,
            WorkerGroup = bystander.Pid,
            WorkerStartTime = realStart!.Value - 100,
        };
        sessions.Registry.Write(record);

        var port = FreePort.Get();
        await using (var fs = sessions.StartFreshServe(folder.Path, "watch", "--", TestPaths.TestServer, "--port", port.ToString()))
        {
            await fs.WaitForLineAsync($@"worker pid {bystander.Pid} now belongs to another process \(reused pid\); left alone", Patience);
            await fs.WaitForLineAsync(@"ready in \d+ ms", Patience);
            Assert.True(ProcessProbe.IsAlive(bystander.Pid), "freshserve signalled a process whose start time did not match");
            Assert.Equal(realStart, ProcessStartTime.Of(bystander.Pid));
            // The bystander is named in the log; it is not freshserve's, so it is not part of the no-survivors check.
            fs.Forget([bystander.Pid]);
        }

        Assert.DoesNotContain(sessions.Registry.ReadAll(), r => r.Id == record.Id);
    }

    [Fact]
    public async Task Stopping_leftovers_skips_a_worker_whose_start_time_does_not_match()
    {
        using var bystander = TestServerProcess.Start(["--port", FreePort.Get().ToString()], ownSession: true);
        await bystander.WaitUntilListeningAsync();
        var record = new SessionRecord
        {
            Pid = 1,
            StartTime = 1,
            Folder = "/nowhere",
            Command = "x",
            StartedAt = DateTimeOffset.Now,
            WorkerPid = bystander.Pid,
            WorkerGroup = bystander.Pid,
            WorkerStartTime = ProcessStartTime.Of(bystander.Pid)!.Value + 1,
        };

        var signalled = await SessionProcesses.StopLeftoversAsync(record, new FreshServe.Processes.StopPolicy(StopSignal.Term, TimeSpan.FromSeconds(1)));

        Assert.Empty(signalled);
        Assert.Empty(SessionProcesses.LeftoverPids(record));
        await Task.Delay(200);
        Assert.True(ProcessProbe.IsAlive(bystander.Pid));
    }

    [Fact]
    public async Task A_dead_sessions_server_holding_our_port_is_stopped_even_from_another_folder()
    {
        using var sessions = new SessionTestEnvironment();
        using var folder = new TempFolder();
        using var elsewhere = new TempFolder();
        var port = FreePort.Get();
        var (deadPid, deadStart) = SessionTestEnvironment.GoneSupervisor();
        using var leftover = TestServerProcess.Start(["--port", port.ToString()], ownSession: true);
        await leftover.WaitUntilListeningAsync();
        // That session did not know its port (no --port, none in its command): only the listener ties it to ours.
        sessions.Registry.Write(new SessionRecord
        {
            Pid = deadPid,
            StartTime = deadStart,
            Folder = elsewhere.Path,
            Command = "testserver",
            StartedAt = DateTimeOffset.Now,
            WorkerPid = leftover.Pid,
            WorkerGroup = leftover.Pid,
            WorkerStartTime = ProcessStartTime.Of(leftover.Pid),
        });

        await using var fs = sessions.StartFreshServe(folder.Path, "watch", "--", TestPaths.TestServer, "--port", port.ToString());
        await fs.WaitForLineAsync($@"stopped pid\(s\) {leftover.Pid} left running", Patience);
        await fs.WaitForLineAsync(@"ready in \d+ ms", Patience);
        Assert.False(ProcessProbe.IsAlive(leftover.Pid));
    }

    [Fact]
    public async Task A_marked_leftover_without_a_record_is_named_as_a_leftover_and_left_alone()
    {
        using var sessions = new SessionTestEnvironment();
        using var folder = new TempFolder();
        var port = FreePort.Get();
        using var leftover = TestServerProcess.Start(["--port", port.ToString()], ownSession: true,
            env: new Dictionary<string, string> { [ProcessMarker.Variable] = ProcessMarker.Value("4242-77", 1) });
        await leftover.WaitUntilListeningAsync();

        var fs = sessions.StartFreshServe(folder.Path, "watch", "--port-timeout", "300ms", "--", TestPaths.TestServer, "--port", port.ToString());
        var code = await fs.WaitForExitAsync(Patience);
        fs.Forget([leftover.Pid]);
        await fs.DisposeAsync();

        Assert.Equal(1, code);
        Assert.Contains($"still held after 300 ms by pid {leftover.Pid} (", fs.Output);
        Assert.Contains("a leftover of FreshServe session 4242-77 (that session is gone)", fs.Output);
        Assert.Contains($"so it left it alone: end it yourself (kill {leftover.Pid})", fs.Output);
        Assert.True(ProcessProbe.IsAlive(leftover.Pid));
    }
}
