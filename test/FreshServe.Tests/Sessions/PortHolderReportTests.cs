using FreshServe.Ports;
using FreshServe.Sessions;
using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Sessions;

/// <summary>Classifying a real port holder against session records and the session marker in its environment.</summary>
public sealed class PortHolderReportTests
{
    [Fact]
    public async Task A_holder_carrying_a_live_sessions_marker_is_that_sessions_server()
    {
        using var sessions = new SessionTestEnvironment();
        var self = new SessionRecord
        {
            Pid = Environment.ProcessId,
            StartTime = ProcessStartTime.Of(Environment.ProcessId)!.Value,
            Folder = "/srv/site",
            Port = 8123,
            Command = "testserver",
            StartedAt = DateTimeOffset.Now,
        };
        sessions.Registry.Write(self);
        var port = FreePort.Get();
        using var server = TestServerProcess.Start(["--port", port.ToString()],
            env: new Dictionary<string, string> { [SessionProcesses.MarkerVariable] = self.Id });
        await server.WaitUntilListeningAsync();

        var report = PortHolderReport.For(port, sessions.Registry);
        Assert.Equal(PortHolderKind.LiveSession, report.Kind);
        Assert.Contains($"pid {server.Pid} (", report.Describe());
        Assert.Contains($"the server of the running FreshServe session {self.Id} (pid {self.Pid}, since", report.Describe());
        Assert.Equal($"stop that freshserve (pid {self.Pid}), or start this one with --replace", report.Advice());

        var own = PortHolderReport.For(port, sessions.Registry, ownSessionId: self.Id);
        Assert.True(own.FromOwnSession);
        Assert.EndsWith("a leftover of an earlier generation of this FreshServe session (it left the worker's process group)", own.Describe());
        Assert.Equal($"stopping the worker's process group did not reach it: end it yourself (kill {server.Pid})", own.Advice());
    }

    [Fact]
    public void Nothing_listening_is_unknown()
    {
        using var sessions = new SessionTestEnvironment();
        var report = PortHolderReport.For(FreePort.Get(), sessions.Registry);
        Assert.Equal(PortHolderKind.Unknown, report.Kind);
        Assert.Equal(new PortHolder(null, null), report.Holder);
    }
}
