using System.Net.NetworkInformation;

namespace FreshServe.Ports;

/// <summary>Asks the OS whether anything listens on a TCP port, on any local address, IPv4 or IPv6.</summary>
public static class PortListeners
{
    public static bool IsListening(int port) =>
        IPGlobalProperties.GetIPGlobalProperties().GetActiveTcpListeners().Any(endpoint => endpoint.Port == port);
}
