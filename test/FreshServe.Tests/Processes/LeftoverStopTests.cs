using System.Diagnostics;
using FreshServe.Processes;
using FreshServe.Sessions;
using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Processes;

/// <summary>A dead session's leftover server is stopped like a worker: with the user's stop signal, then a kill.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LeftoverStopTests
{
    [Fact]
    public async Task Leftovers_get_the_stop_signal_the_user_chose_not_always_sigterm()
    {
        // This server ignores SIGTERM: only SIGINT ends it without a kill.
        using var leftover = StartOwnSession(TestPaths.TestServer, "--port", FreePort.Get().ToString(), "--ignore-term");
        var record = RecordFor(leftover.Id);

        var stopped = await SessionProcesses.StopLeftoversAsync(record, new StopPolicy(StopSignal.Int, TimeSpan.FromSeconds(60)));

        Assert.Equal([leftover.Id], stopped);
        Assert.True(leftover.WaitForExit(TimeSpan.FromSeconds(10)), "the leftover is still running");
        Assert.Equal(128 + ProcessProbe.SIGINT, leftover.ExitCode);
    }

    [Fact]
    public async Task Leftovers_that_ignore_the_stop_signal_are_killed_after_the_stop_timeout()
    {
        using var leftover = StartOwnSession(TestPaths.TestServer, "--port", FreePort.Get().ToString(), "--ignore-term");
        var record = RecordFor(leftover.Id);

        var stopped = await SessionProcesses.StopLeftoversAsync(record, new StopPolicy(StopSignal.Term, TimeSpan.FromMilliseconds(300)));

        Assert.Equal([leftover.Id], stopped);
        Assert.True(leftover.WaitForExit(TimeSpan.FromSeconds(10)), "the leftover is still running");
        Assert.Equal(128 + ProcessProbe.SIGKILL, leftover.ExitCode);
    }

    private static SessionRecord RecordFor(int worker) => new()
    {
        Pid = 1,
        StartTime = 1,
        Folder = "/nowhere",
        Command = "x",
        StartedAt = DateTimeOffset.Now,
        WorkerPid = worker,
        WorkerGroup = worker,
        WorkerStartTime = ProcessStartTime.Of(worker),
    };

    /// <summary>A process under setsid (which execs in place: the pid is the program's), leading its own group.</summary>
    private static Process StartOwnSession(params string[] command)
    {
        var info = new ProcessStartInfo("setsid") { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var arg in command)
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info)!;
        var listening = process.StandardOutput.ReadLine();
        Assert.Contains("listening on", listening ?? string.Empty);
        _ = process.StandardOutput.ReadToEndAsync();
        return process;
    }
}
