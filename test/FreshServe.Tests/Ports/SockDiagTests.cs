using System.Globalization;
using System.Net;
using System.Net.Sockets;
using FreshServe.Ports;

namespace FreshServe.Tests.Ports;

/// <summary>
/// The netlink listener table (Linux) against real sockets of this process, and against /proc/net/tcp{,6}, which it
/// replaces on the restart's path: listeners only, with the same inode and port.
/// </summary>
public sealed class SockDiagTests
{
    [Fact]
    public void Lists_our_listeners_with_their_inode_and_port_and_nothing_that_does_not_listen()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // netlink is Linux's; elsewhere PortListenersTests cover the platform's table
        }

        using var v4 = new TcpListener(IPAddress.Loopback, 0);
        v4.Start();
        using var v6 = new TcpListener(IPAddress.IPv6Loopback, 0);
        v6.Start();
        using var boundOnly = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        boundOnly.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var client = new TcpClient();
        client.Connect(IPAddress.Loopback, ((IPEndPoint)v4.LocalEndpoint).Port);
        using var accepted = v4.AcceptSocket();

        var listeners = SockDiag.Listeners();

        Assert.NotNull(listeners);
        Assert.Equal(((IPEndPoint)v4.LocalEndpoint).Port, listeners[InodeOf(v4.Server)]);
        Assert.Equal(((IPEndPoint)v6.LocalEndpoint).Port, listeners[InodeOf(v6.Server)]);
        Assert.False(listeners.ContainsKey(InodeOf(boundOnly)));
        Assert.False(listeners.ContainsKey(InodeOf(client.Client)));
        Assert.False(listeners.ContainsKey(InodeOf(accepted)));

        var proc = ProcListenRows();
        foreach (var socket in new[] { v4.Server, v6.Server, boundOnly, client.Client, accepted })
        {
            var inode = InodeOf(socket);
            Assert.Equal(proc.TryGetValue(inode, out var port) ? port : (int?)null, listeners.TryGetValue(inode, out var seen) ? seen : null);
        }
    }

    [Fact]
    public void A_port_bound_without_listening_is_not_listened_on()
    {
        // The bind proof fails on it, so the listener table decides (netlink on Linux).
        using var boundOnly = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        boundOnly.Bind(new IPEndPoint(IPAddress.Any, 0));
        var port = ((IPEndPoint)boundOnly.LocalEndPoint!).Port;

        Assert.False(PortListeners.IsListening(port));
        boundOnly.Listen();
        Assert.True(PortListeners.IsListening(port));
    }

    private static ulong InodeOf(Socket socket)
    {
        var target = new FileInfo($"/proc/self/fd/{socket.Handle.ToInt64().ToString(CultureInfo.InvariantCulture)}").LinkTarget!;
        return ulong.Parse(target["socket:[".Length..^1], CultureInfo.InvariantCulture);
    }

    private static Dictionary<ulong, int> ProcListenRows()
    {
        var rows = new Dictionary<ulong, int>();
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields[3] == "0A")
                {
                    var local = fields[1];
                    rows[ulong.Parse(fields[9], CultureInfo.InvariantCulture)] =
                        int.Parse(local[(local.LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                }
            }
        }

        return rows;
    }
}
