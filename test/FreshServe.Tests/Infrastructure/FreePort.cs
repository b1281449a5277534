using System.Net;
using System.Net.Sockets;

namespace FreshServe.Tests.Infrastructure;

/// <summary>
/// Ports come from the OS (bind to port 0), never from a fixed range. The OS may hand the same port out again as soon as
/// the probe closes it, so two calls in one test could get one port (seen in CI: a services file with two services on
/// one port, refused); a port is never handed out twice in one test run.
/// </summary>
public static class FreePort
{
    private static readonly HashSet<int> HandedOut = [];

    public static int Get()
    {
        while (true)
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
            lock (HandedOut)
            {
                if (HandedOut.Add(port))
                    return port;
            }
        }
    }
}
