using FreshServe.Processes;
using FreshServe.Sessions;
using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Sessions;

/// <summary>freshserve doctor, run as a real process against real holders and records.</summary>
public sealed class DoctorTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Doctor_names_a_foreign_port_holder_and_says_freshserve_did_not_start_it()
    {
        using var sessions = new SessionTestEnvironment();
        using var folder = new TempFolder();
        var port = FreePort.Get();
        using var foreign = TestServerProcess.Start(["--port", port.ToString(), "--role", "foreign"]);
        await foreign.WaitUntilListeningAsync();

        var (code, output) = await RunDoctorAsync(sessions, folder.Path, "--port", port.ToString());

        Assert.Equal(0, code);
        Assert.Contains($"Port {port}\n  ✗ held by pid {foreign.Pid} ({TestPaths.TestServer} --port {port} --role foreign), not started by FreshServe.", output);
        Assert.Contains("✓ no freshserve session is recorded.", output);
        Assert.True(ProcessProbe.IsAlive(foreign.Pid));
    }

    [Fact]
    public async Task Doctor_calls_a_live_sessions_proxy_port_and_server_port_that_session_not_a_foreign_process()
    {
        using var sessions = new SessionTestEnvironment();
        using var folder = new TempFolder();
        var proxyPort = FreePort.Get();
        await using var session = sessions.StartFreshServe(folder.Path,
            "watch", "--proxy", proxyPort.ToString(), "--", TestPaths.TestServer, "--port", "{port}");
        var ready = await session.WaitForLineAsync(@"✓ ready in \d+ ms on port \d+ \(generation 1\)", Patience);
        var workerPort = System.Text.RegularExpressions.Regex.Match(ready, @"on port (\d+)").Groups[1].Value;

        var (code, proxyReport) = await RunDoctorAsync(sessions, folder.Path, "--port", proxyPort.ToString());
        var (_, serverReport) = await RunDoctorAsync(sessions, folder.Path, "--port", workerPort);

        Assert.Equal(0, code);
        Assert.Contains($"Port {proxyPort}\n  ● held by freshserve itself, pid {session.Pid}: the proxy of your running freshserve session (pid {session.Pid},", proxyReport);
        Assert.Contains("This is your running session, in use rather than stuck: stop it with Ctrl+C in its terminal", proxyReport);
        Assert.Contains($"Port {workerPort}\n  ● held by pid ", serverReport);
        Assert.Contains("the server of your running freshserve session", serverReport);
        foreach (var report in new[] { proxyReport, serverReport })
        {
            Assert.DoesNotContain("not started by FreshServe", report);
            Assert.DoesNotContain("✗", report.Split("\n\n")[0] + report.Split("Sessions")[1].Split("\n\n")[0]);
            Assert.Contains($"● running: pid {session.Pid}, since", report);
            Assert.Contains("This is a live session, nothing to fix.", report);
        }
    }

    [Fact]
    public async Task Doctor_says_a_free_port_is_free()
    {
        using var sessions = new SessionTestEnvironment();
        using var folder = new TempFolder();
        var port = FreePort.Get();

        var (code, output) = await RunDoctorAsync(sessions, folder.Path, "--port", port.ToString());

        Assert.Equal(0, code);
        Assert.Contains($"Port {port}\n  ✓ free: nothing listens on it, on any local address (IPv4 or IPv6).", output);
    }

    [Fact]
    public async Task Doctor_lists_a_stale_session_with_its_running_server_and_how_to_end_it()
    {
        using var sessions = new SessionTestEnvironment();
        using var folder = new TempFolder();
        var (deadPid, deadStart) = SessionTestEnvironment.GoneSupervisor();
        using var leftover = TestServerProcess.Start(["--port", FreePort.Get().ToString()], ownSession: true);
        await leftover.WaitUntilListeningAsync();
        sessions.Registry.Write(new SessionRecord
        {
            Pid = deadPid,
            StartTime = deadStart,
            Folder = "/srv/app",
            Command = "testserver",
            StartedAt = DateTimeOffset.Now,
            WorkerPid = leftover.Pid,
            WorkerGroup = leftover.Pid,
            WorkerStartTime = ProcessStartTime.Of(leftover.Pid),
        });

        var (code, output) = await RunDoctorAsync(sessions, folder.Path);

        Assert.Equal(0, code);
        Assert.Contains($"✗ stale: freshserve pid {deadPid} is gone but its server is still running as pid {leftover.Pid} (", output);
        Assert.Contains($"freshserve watch in /srv/app stops it on start; or end it now with: kill -TERM -- -{leftover.Pid}", output);
        Assert.True(ProcessProbe.IsAlive(leftover.Pid), "doctor only looks; it must not stop anything");
    }

    [Fact]
    public async Task Doctor_reports_this_folders_file_system_and_the_inotify_limits()
    {
        using var sessions = new SessionTestEnvironment();
        using var folder = new TempFolder();

        var (code, output) = await RunDoctorAsync(sessions, folder.Path);

        Assert.Equal(0, code);
        Assert.Contains($"This folder ({folder.Path})", output);
        if (OperatingSystem.IsLinux())
        {
            Assert.Matches(@"(✓ no polling needed|✗ needs polling): it is on \S+ \(mounted at /", output);
            Assert.Matches(@"this folder has 1 folders, and your user may hold [\d,]+ watches", output);
            Assert.Matches(@"your processes use \d+ of \d+ watchers \(max_user_instances\)", output);
        }
    }

    [Fact]
    public async Task Doctor_rejects_a_bad_port_with_one_line()
    {
        using var sessions = new SessionTestEnvironment();
        using var folder = new TempFolder();

        var (code, output) = await RunDoctorAsync(sessions, folder.Path, "--port", "70000");

        Assert.Equal(2, code);
        Assert.Equal("freshserve: --port must be between 1 and 65535", output.Trim());
    }

    private static async Task<(int Code, string Output)> RunDoctorAsync(SessionTestEnvironment sessions, string folder, params string[] args)
    {
        var doctor = sessions.StartFreshServe(folder, ["doctor", .. args]);
        var code = await doctor.WaitForExitAsync(Patience);
        var output = doctor.Output;
        // Doctor names pids it only looked at; they are not its own.
        doctor.Forget(doctor.LoggedPids);
        await doctor.DisposeAsync();
        return (code, output);
    }
}
