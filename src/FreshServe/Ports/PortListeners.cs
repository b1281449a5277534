using System.Net.NetworkInformation;

namespace FreshServe.Ports;

/// <summary>Asks the OS whether anything listens on a TCP port, on any local address, IPv4 or IPv6.</summary>
public static class PortListeners
{
    public static bool IsListening(int port) =>
        OperatingSystem.IsWindows()
            // GetActiveTcpListeners reported a port as listened on under Wine when only TIME-WAIT sockets were left,
            // so on Windows the LISTEN rows of GetExtendedTcpTable decide.
            ? WindowsTcpTable.IsListening(port)
            : IPGlobalProperties.GetIPGlobalProperties().GetActiveTcpListeners().Any(endpoint => endpoint.Port == port);
}
