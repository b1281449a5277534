using FreshServe.Ports;
using FreshServe.Processes;
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
            env: new Dictionary<string, string> { [ProcessMarker.Variable] = ProcessMarker.Value(self.Id, 1) });
        await server.WaitUntilListeningAsync();

        var report = PortHolderReport.For(port, sessions.Registry);
        Assert.Equal(PortHolderKind.LiveSession, report.Kind);
        Assert.Contains($"pid {server.Pid} (", report.Describe());
        Assert.Contains($"the server of your running freshserve session (pid {self.Pid}, since", report.Describe());
        Assert.StartsWith($"this is your running session, in use rather than stuck: stop it with Ctrl+C in its terminal (or kill -TERM {self.Pid})", report.Advice());
        Assert.True(report.IsLiveSession);

        var own = PortHolderReport.For(port, sessions.Registry, ownSessionId: self.Id);
        Assert.True(own.FromOwnSession);
        Assert.EndsWith("a leftover of an earlier generation of this FreshServe session (it left the worker's process group)", own.Describe());
        Assert.Equal($"stopping the worker's process group did not reach it: end it yourself (kill {server.Pid})", own.Advice());
    }

    [Fact]
    public void A_port_held_by_a_live_freshserve_itself_is_that_sessions_proxy_not_a_foreign_process()
    {
        // This test process plays the running freshserve: its record names it, and it holds the "proxy" port.
        using var sessions = new SessionTestEnvironment();
        using var proxy = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        proxy.Start();
        var port = ((System.Net.IPEndPoint)proxy.LocalEndpoint).Port;
        var self = new SessionRecord
        {
            Pid = Environment.ProcessId,
            StartTime = ProcessStartTime.Of(Environment.ProcessId)!.Value,
            Folder = "/srv/site",
            ProxyPort = port,
            Command = "uvicorn app:app --port {port}",
            StartedAt = DateTimeOffset.Now,
        };
        sessions.Registry.Write(self);

        var report = PortHolderReport.For(port, sessions.Registry);

        Assert.Equal(PortHolderKind.SessionProxy, report.Kind);
        Assert.True(report.IsLiveSession);
        Assert.StartsWith($"freshserve itself, pid {Environment.ProcessId}: the proxy of your running freshserve session (pid {self.Pid}, since", report.Describe());
        Assert.Contains($"proxy port {port}", report.Describe());
        Assert.DoesNotContain("not started by FreshServe", report.Describe());
        Assert.DoesNotContain("end it yourself", report.Advice());
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
