using System.Net.NetworkInformation;

namespace FreshServe.Ports;

/// <summary>Asks the OS whether anything listens on a TCP port, on any local address, IPv4 or IPv6.</summary>
public static class PortListeners
{
    public static bool IsListening(int port)
    {
        // GetActiveTcpListeners reported a port as listened on under Wine when only TIME-WAIT sockets were left,
        // so on Windows the LISTEN rows of GetExtendedTcpTable decide; the fallback, should the table be unreadable,
        // errs on the side of "held".
        if (OperatingSystem.IsWindows() && WindowsTcpTable.IsListening(port) is { } listening)
        {
            return listening;
        }

        return IPGlobalProperties.GetIPGlobalProperties().GetActiveTcpListeners().Any(endpoint => endpoint.Port == port);
    }
}
