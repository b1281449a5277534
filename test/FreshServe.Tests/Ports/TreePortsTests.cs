using System.Net;
using System.Net.Sockets;
using FreshServe.Ports;
using FreshServe.Tests.Infrastructure;
using FreshServe.Tests.Sessions;

namespace FreshServe.Tests.Ports;

/// <summary>Which ports a process tree listens on: read from the OS for real processes, parsed from recorded tables.</summary>
public sealed class TreePortsTests
{
    [Fact]
    public async Task A_real_server_under_a_shell_is_seen_listening_on_its_port_with_its_pid()
    {
        var port = FreePort.Get();
        // sh forks the server (no exec: two commands), so the listener is a child of the root.
        using var shell = ShellRunning($"{TestPaths.TestServer} --port {port}; true");
        try
        {
            var listener = await WaitForListenerAsync(shell.Id, port);

            Assert.NotEqual(shell.Id, listener.Pid);
            Assert.Contains($"--port {port}", TreePorts.Describe(listener));
        }
        finally
        {
            Kill(shell);
        }
    }

    [Fact]
    public void A_listener_outside_the_tree_is_not_the_trees()
    {
        using var foreign = new TcpListener(IPAddress.Loopback, 0);
        foreign.Start();
        var port = ((IPEndPoint)foreign.LocalEndpoint).Port;
        using var shell = ShellRunning("sleep 30");
        try
        {
            Assert.DoesNotContain(TreePorts.Of(shell.Id), l => l.Port == port);
        }
        finally
        {
            Kill(shell);
        }
    }

    [Fact]
    public async Task Lsof_reports_the_same_listener_as_proc()
    {
        Assert.True(File.Exists("/usr/bin/lsof") || File.Exists("/bin/lsof"), "lsof is installed on the CI machines");
        var port = FreePort.Get();
        using var server = TestServerProcess.Start(["--port", port.ToString()]);
        await server.WaitUntilListeningAsync();

        Assert.Contains(new TreeListener(port, server.Pid), LsofListeners.ListenersOf([server.Pid]));
    }

    [Fact]
    public void Lsof_field_output_is_parsed_per_pid()
    {
        const string output = "p100\nf5\nn*:8000\nf6\nn127.0.0.1:9229\np200\nf3\nn[::1]:3001\n";
        Assert.Equal([new TreeListener(3001, 200), new TreeListener(8000, 100), new TreeListener(9229, 100)], LsofListeners.ParseListeners(output));
    }

    [Fact]
    public void The_servers_port_is_picked_over_a_debuggers()
    {
        Assert.Equal(3000, TreePorts.Pick([new TreeListener(9229, 1), new TreeListener(3000, 2)])!.Port);
        Assert.Equal(8001, TreePorts.Pick([new TreeListener(8002, 1), new TreeListener(8001, 1)])!.Port);
        Assert.Null(TreePorts.Pick([new TreeListener(9229, 1)]));
        Assert.Null(TreePorts.Pick([]));
    }

    [Theory]
    [InlineData("node --inspect=127.0.0.1:9339 server.js", 9339)]
    [InlineData("node --inspect-brk=9400 server.js", 9400)]
    [InlineData("node --inspect --inspect-port=9401 server.js", 9401)]
    [InlineData("python3 -m debugpy --listen 0.0.0.0:5700 -m flask run", 5700)]
    [InlineData("dlv debug --headless --listen=:2400", 2400)]
    public void A_debugger_port_the_command_gives_is_the_debuggers(string commandLine, int port)
    {
        Assert.True(TreePorts.IsDebuggers(port, commandLine));
        Assert.False(TreePorts.IsDebuggers(8000, commandLine));
        Assert.False(TreePorts.IsDebuggers(port, "node server.js " + port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task A_node_debugger_on_a_port_of_its_own_choosing_is_never_taken_for_the_server()
    {
        var (debugger, server) = (FreePort.Get(), FreePort.Get());
        // The debugger listens first; the server only half a second later.
        using var shell = ShellRunning($"exec node --inspect=127.0.0.1:{debugger} -e \"setTimeout(() => require('http').createServer((q, r) => r.end('ok')).listen({server}, '127.0.0.1'), 500)\"");
        try
        {
            await WaitForListenerAsync(shell.Id, debugger);
            var early = TreePorts.Of(shell.Id);
            Assert.True(early.All(l => l.Port == debugger) ? TreePorts.Pick(early) is null : TreePorts.Pick(early)!.Port == server);

            await WaitForListenerAsync(shell.Id, server);
            Assert.Equal(server, TreePorts.Pick(TreePorts.Of(shell.Id))!.Port);
        }
        finally
        {
            Kill(shell);
        }
    }

    [Fact]
    public void Windows_rows_are_the_trees_only_when_listening_and_owned_by_a_tree_pid()
    {
        TcpTableRow[] rows =
        [
            new(8000, TcpTableRow.Listen, 10),
            new(8001, TcpTableRow.Listen, 99), // another process
            new(8002, 5, 11), // established, not listening
            new(8003, TcpTableRow.Listen, 0), // Wine: owner unknown
            new(8004, TcpTableRow.Listen, 11),
        ];
        var tree = WindowsProcessTree.Descendants(10, [(10, 1), (11, 10), (12, 11), (99, 1), (1, 1)]);

        Assert.Equal(new HashSet<int> { 10, 11, 12 }, tree);
        Assert.Equal([new TreeListener(8000, 10), new TreeListener(8004, 11)], WindowsTcpTable.ListenersIn(rows, tree));
    }

    private static System.Diagnostics.Process ShellRunning(string script)
    {
        var info = new System.Diagnostics.ProcessStartInfo("sh") { UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        return System.Diagnostics.Process.Start(info)!;
    }

    private static async Task<TreeListener> WaitForListenerAsync(int root, int port)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (TreePorts.Of(root).FirstOrDefault(l => l.Port == port) is { } found)
            {
                return found;
            }

            await Task.Delay(20);
        }

        throw new Xunit.Sdk.XunitException($"pid {root}'s tree never listened on {port}");
    }

    /// <summary>Kills the shell and what it started, by pid, and checks nothing of it is left.</summary>
    private static void Kill(System.Diagnostics.Process process)
    {
        var tree = ProcessProbe.Descendants(process.Id).Append(process.Id).ToList();
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
        Assert.True(ProcessProbe.WaitUntilGoneAsync(tree, TimeSpan.FromSeconds(10)).GetAwaiter().GetResult(),
            $"left running: {string.Join(", ", tree.Where(ProcessProbe.IsAlive))}");
    }
}
