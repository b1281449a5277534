using System.Net;
using System.Net.Sockets;
using FreshServe.Ports;

namespace FreshServe.Tests.Ports;

/// <summary>"Free" means nothing listens on the port on any local address; TIME_WAIT leftovers do not count.</summary>
public sealed class PortListenersTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("0.0.0.0")]
    [InlineData("::1")]
    [InlineData("::")]
    public void A_listener_on_any_local_address_holds_the_port(string address)
    {
        using var listener = new TcpListener(IPAddress.Parse(address), 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        Assert.True(PortListeners.IsListening(port));
        if (OperatingSystem.IsLinux())
        {
            Assert.False(PortListeners.BindProvesFree(port));
        }
    }

    [Fact]
    public void A_listener_with_reuse_port_still_holds_the_port()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();

        Assert.True(PortListeners.IsListening(((IPEndPoint)listener.LocalEndPoint!).Port));
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public void A_listener_with_so_reuseaddr_alone_still_holds_the_port(string address)
    {
        // Python's http.server and many other servers set SO_REUSEADDR (only) before they listen.
        var ip = IPAddress.Parse(address);
        using var listener = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.SetRawSocketOption(1, 2, BitConverter.GetBytes(1)); // SOL_SOCKET, SO_REUSEADDR on Linux
        listener.Bind(new IPEndPoint(ip, 0));
        listener.Listen();

        Assert.True(PortListeners.IsListening(((IPEndPoint)listener.LocalEndPoint!).Port));
    }

    [Fact]
    public async Task A_closed_listener_whose_connections_linger_in_time_wait_leaves_the_port_free()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            using var accepted = await listener.AcceptTcpClientAsync();
            accepted.Close(); // the server side closes first, so its end of the connection enters TIME_WAIT
        }

        listener.Stop();
        Assert.False(PortListeners.IsListening(port));
    }

    [Fact]
    public void A_port_nobody_uses_is_free()
    {
        var port = Infrastructure.FreePort.Get();
        Assert.False(PortListeners.IsListening(port));
    }
}
