using System.Net;
using System.Net.Sockets;
using FreshServe.Ports;
using FreshServe.Tests.Infrastructure;
using FreshServe.Tests.Sessions;

namespace FreshServe.Tests.Ports;

/// <summary>A port held by something freshserve did not start: named, waited for, and left alone.</summary>
public sealed class PortHolderTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_foreign_server_on_the_port_is_named_and_left_alone()
    {
        using var sessions = new SessionTestEnvironment();
        using var folder = new TempFolder();
        var port = FreePort.Get();
        using var foreign = TestServerProcess.Start(["--port", port.ToString(), "--role", "foreign"]);
        await foreign.WaitUntilListeningAsync();

        var fs = sessions.StartFreshServe(folder.Path, "watch", "--port-timeout", "700ms", "--", TestPaths.TestServer, "--port", port.ToString());
        var code = await fs.WaitForExitAsync(Patience);
        var output = fs.Output;
        fs.Forget([foreign.Pid]);
        await fs.DisposeAsync();

        Assert.Equal(1, code);
        Assert.Contains($"port {port} is held by pid {foreign.Pid}", output);
        Assert.Contains(
            $"freshserve: port {port} is still held after 700 ms by pid {foreign.Pid} ({TestPaths.TestServer} --port {port} --role foreign), "
            + "not started by FreshServe; freshserve will not stop what it did not start: end it yourself, or pick another port", output);
        Assert.DoesNotContain("started testserver", output);
        Assert.True(ProcessProbe.IsAlive(foreign.Pid), "freshserve stopped a process it did not start");
        Assert.Contains($"pid={foreign.Pid} ", await Http.TryGetAsync(port));
    }

    [Fact]
    public async Task A_listener_on_ipv6_only_counts_as_holding_the_port()
    {
        if (!Socket.OSSupportsIPv6)
        {
            throw new InvalidOperationException("this machine has no IPv6 loopback; the test needs one");
        }

        using var sessions = new SessionTestEnvironment();
        using var folder = new TempFolder();
        var port = FreePort.Get();
        var listener = new TcpListener(IPAddress.IPv6Loopback, port);
        listener.Start();
        try
        {
            Assert.True(PortListeners.IsListening(port));
            var holder = PortOwner.Find(port);
            Assert.Equal(Environment.ProcessId, holder.Pid);

            var fs = sessions.StartFreshServe(folder.Path, "watch", "--port-timeout", "300ms", "--", TestPaths.TestServer, "--port", port.ToString());
            var code = await fs.WaitForExitAsync(Patience);
            fs.Forget([Environment.ProcessId]);
            await fs.DisposeAsync();

            Assert.Equal(1, code);
            Assert.Contains($"port {port} is still held after 300 ms by pid {Environment.ProcessId} (", fs.Output);
            Assert.Contains("not started by FreshServe", fs.Output);
        }
        finally
        {
            listener.Stop();
        }

        Assert.False(PortListeners.IsListening(port));
    }

    [Fact]
    public async Task The_port_freed_within_the_timeout_lets_freshserve_start()
    {
        using var sessions = new SessionTestEnvironment();
        using var folder = new TempFolder();
        var port = FreePort.Get();
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        await using var fs = sessions.StartFreshServe(folder.Path, "watch", "--port-timeout", "30s", "--", TestPaths.TestServer, "--port", port.ToString());
        await fs.WaitForLineAsync($@"port {port} is held by pid {Environment.ProcessId} .*not started by FreshServe; waiting up to 30.0 s", Patience);
        fs.Forget([Environment.ProcessId]);
        listener.Stop();

        await fs.WaitForLineAsync(@"ready in \d+ ms", Patience);
        Assert.StartsWith("generation=1 ", await Http.TryGetAsync(port));
    }

    [Fact]
    public void Lsof_names_the_listener_of_a_real_socket()
    {
        var port = FreePort.Get();
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        try
        {
            var holder = LsofListeners.Find(port);
            Assert.Equal(Environment.ProcessId, holder.Pid);
            Assert.NotNull(holder.CommandLine);
        }
        finally
        {
            listener.Stop();
        }

        Assert.Null(LsofListeners.Find(port).Pid);
    }

    [Fact]
    public void Lsof_field_output_is_parsed_into_pids()
    {
        // Recorded from `lsof -nP -iTCP:8001 -sTCP:LISTEN -Fp` with one process listening on IPv4 and IPv6.
        const string recorded = "p4711\nf5\nf6\np4711\np982\nf3\n";
        Assert.Equal([4711, 982], LsofListeners.ParsePids(recorded));
        Assert.Empty(LsofListeners.ParsePids(string.Empty));
        Assert.Empty(LsofListeners.ParsePids("lsof: WARNING: can't stat() fuse file system\n"));
    }
}
