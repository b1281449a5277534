using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace FreshServe.Proxy;

/// <summary>In proxy mode each generation gets its own internal port: picked by the OS, given as {port} and PORT.</summary>
public static class WorkerPort
{
    public const string Placeholder = "{port}";

    /// <summary>A port the OS says is free on loopback right now (bind 0, read it back, release it).</summary>
    public static int Pick()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public static IReadOnlyList<string> Substitute(IReadOnlyList<string> arguments, int port)
    {
        var text = port.ToString(CultureInfo.InvariantCulture);
        return arguments.Select(a => a.Replace(Placeholder, text, StringComparison.Ordinal)).ToArray();
    }

    public static bool IsUsedIn(IReadOnlyList<string> arguments) =>
        arguments.Any(a => a.Contains(Placeholder, StringComparison.Ordinal));
}
