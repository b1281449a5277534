using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Runtime.Versioning;

namespace FreshServe.Ports;

/// <summary>Asks the OS whether anything listens on a TCP port, on any local address, IPv4 or IPv6.</summary>
public static class PortListeners
{
    public static bool IsListening(int port)
    {
        // The listener table is the authority. A successful bind proves the port free in microseconds; a failed one
        // proves nothing (the socket may be bound but not listening), so then the table decides: on Linux asked over
        // netlink for listeners only, since /proc/net/tcp{,6} walks every connection bucket (40-150 ms per read on a
        // loaded machine, each look while the old server still listens).
        if (OperatingSystem.IsLinux())
        {
            if (BindProvesFree(port))
            {
                return false;
            }

            if (SockDiag.Listeners() is { } listeners)
            {
                return listeners.ContainsValue(port);
            }
        }

        // GetActiveTcpListeners reported a port as listened on under Wine when only TIME-WAIT sockets were left,
        // so on Windows the LISTEN rows of GetExtendedTcpTable decide; the fallback, should the table be unreadable,
        // errs on the side of "held".
        if (OperatingSystem.IsWindows() && WindowsTcpTable.IsListening(port) is { } listening)
        {
            return listening;
        }

        return IPGlobalProperties.GetIPGlobalProperties().GetActiveTcpListeners().Any(endpoint => endpoint.Port == port);
    }

    /// <summary>
    /// Binds the IPv4 and IPv6 wildcard addresses with SO_REUSEADDR only. On Linux such a bind fails while any socket
    /// listens on the port on an overlapping address, and succeeds past TIME_WAIT leftovers. SO_REUSEPORT is left off
    /// (.NET's ReuseAddress option would set it too) so a reuse-port listener still conflicts.
    /// </summary>
    [SupportedOSPlatform("linux")]
    internal static bool BindProvesFree(int port) =>
        TryBind(AddressFamily.InterNetwork, IPAddress.Any, port)
        && (!Socket.OSSupportsIPv6 || TryBind(AddressFamily.InterNetworkV6, IPAddress.IPv6Any, port));

    [SupportedOSPlatform("linux")]
    private static bool TryBind(AddressFamily family, IPAddress address, int port)
    {
        const int SolSocket = 1;
        const int SoReuseAddr = 2;
        try
        {
            using var socket = new Socket(family, SocketType.Stream, ProtocolType.Tcp);
            if (family == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false;
            }

            socket.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
            socket.Bind(new IPEndPoint(address, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
