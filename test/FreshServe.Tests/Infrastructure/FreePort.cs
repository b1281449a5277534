using System.Net;
using System.Net.Sockets;

namespace FreshServe.Tests.Infrastructure;

/// <summary>Ports come from the OS (bind to port 0), never from a fixed range.</summary>
public static class FreePort
{
    public static int Get()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }
}
