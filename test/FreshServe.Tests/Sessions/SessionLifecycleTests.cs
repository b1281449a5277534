using FreshServe.Processes;
using FreshServe.Sessions;
using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Sessions;

/// <summary>The record of a live session: written at start, updated per generation, removed on a clean exit.</summary>
public sealed class SessionLifecycleTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_record_follows_the_worker_and_is_removed_on_a_clean_exit()
    {
        using var sessions = new SessionTestEnvironment();
        using var folder = new TempFolder();
        var content = folder.Write("page.txt", "one");
        var port = FreePort.Get();
        await using var fs = sessions.StartFreshServe(folder.Path, "watch", "--", TestPaths.TestServer, "--port", port.ToString(), "--content", content);
        await fs.WaitForLineAsync(@"ready in .*generation 1", Patience);

        var first = Assert.Single(sessions.Registry.ReadAll());
        var firstWorker = fs.LoggedPids.Single();
        Assert.Equal(fs.Pid, first.Pid);
        Assert.True(first.SupervisorAlive());
        Assert.Equal(folder.Path, first.Folder);
        Assert.Equal(port, first.Port);
        Assert.Equal((firstWorker, firstWorker, 1), (first.WorkerPid, first.WorkerGroup, first.Generation));
        Assert.Equal(ProcessStartTime.Of(firstWorker), first.WorkerStartTime);
        Assert.Contains($"pid={firstWorker} ", await Http.TryGetAsync(port));

        File.WriteAllText(content, "two");
        await fs.WaitForLineAsync(@"ready in .*generation 2", Patience);
        var second = Assert.Single(sessions.Registry.ReadAll());
        var secondWorker = fs.LoggedPids.Single(p => p != firstWorker);
        Assert.Equal((secondWorker, 2), (second.WorkerPid, second.Generation));
        Assert.Equal(ProcessStartTime.Of(secondWorker), second.WorkerStartTime);

        fs.Signal(ProcessProbe.SIGINT);
        Assert.Equal(0, await fs.WaitForExitAsync(Patience));
        Assert.Empty(sessions.Registry.ReadAll());
    }

    [Fact]
    public async Task The_worker_carries_its_session_id_in_its_environment()
    {
        Assert.True(OperatingSystem.IsLinux(), "reads /proc/PID/environ");
        using var sessions = new SessionTestEnvironment();
        using var folder = new TempFolder();
        var port = FreePort.Get();
        await using var fs = sessions.StartFreshServe(folder.Path, "watch", "--", TestPaths.TestServer, "--port", port.ToString());
        await fs.WaitForLineAsync(@"ready in", Patience);

        var record = Assert.Single(sessions.Registry.ReadAll());
        Assert.Equal(record.Id, ProcessMarker.SessionOf(record.WorkerPid!.Value));
        Assert.Null(ProcessMarker.SessionOf(Environment.ProcessId));
    }
}
