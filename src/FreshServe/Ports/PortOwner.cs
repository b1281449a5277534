using System.Globalization;
using System.Runtime.Versioning;
using FreshServe.Processes.Unix;

namespace FreshServe.Ports;

/// <summary>Who holds a listening port: pid and command line, when the platform lets us see it.</summary>
public sealed record PortHolder(int? Pid, string? CommandLine)
{
    public string Describe() => Pid is { } pid
        ? $"pid {pid} ({CommandLine ?? "command line unknown"})"
        : "a process freshserve cannot name";
}

/// <summary>A listening TCP port of a worker tree and the pid that holds it.</summary>
public sealed record TreeListener(int Port, int Pid);

public static class PortOwner
{
    public static PortHolder Find(int port)
    {
        if (OperatingSystem.IsLinux())
        {
            return FindOnLinux(port);
        }

        if (OperatingSystem.IsWindows())
        {
            return WindowsTcpTable.Find(port);
        }

        return LsofListeners.Find(port);
    }

    [SupportedOSPlatform("linux")]
    private static PortHolder FindOnLinux(int port)
    {
        var inodes = ListeningSockets(port);
        if (inodes.Count == 0)
        {
            return new PortHolder(null, null);
        }

        foreach (var pid in ProcessTable.Pids())
        {
            if (SocketInodesOf(pid).Any(inodes.ContainsKey))
            {
                return new PortHolder(pid, ProcessTable.CommandLine(pid));
            }
        }

        return new PortHolder(null, null);
    }

    /// <summary>The TCP ports any of <paramref name="pids"/> listens on, with the pid holding each, lowest port first (Linux).</summary>
    [SupportedOSPlatform("linux")]
    public static IReadOnlyList<TreeListener> ListenersOf(IEnumerable<int> pids)
    {
        var owned = pids.SelectMany(pid => SocketInodesOf(pid).Select(inode => (Pid: pid, Inode: inode))).ToList();
        if (owned.Count == 0)
        {
            // No socket at all in the tree: spare the look at the socket table.
            return [];
        }

        var sockets = ListeningSockets(null);
        return owned
            .Where(o => sockets.ContainsKey(o.Inode))
            .Select(o => new TreeListener(sockets[o.Inode], o.Pid))
            .DistinctBy(l => l.Port)
            .OrderBy(l => l.Port)
            .ToList();
    }

    /// <summary>A process's command line, for messages; null when it cannot be read.</summary>
    public static string? CommandLineOf(int pid)
    {
        if (OperatingSystem.IsLinux())
        {
            return ProcessTable.CommandLine(pid);
        }

        return OperatingSystem.IsWindows() ? WindowsTcpTable.CommandLineOf(pid) : LsofListeners.CommandLineOf(pid);
    }

    /// <summary>The fourth field (st) is 0A, TCP_LISTEN: looked up without allocating.</summary>
    private static bool IsListenRow(ReadOnlySpan<char> line)
    {
        for (var field = 0; field < 3; field++)
        {
            line = line.TrimStart(' ');
            var end = line.IndexOf(' ');
            if (end < 0)
            {
                return false;
            }

            line = line[end..];
        }

        return line.TrimStart(' ').StartsWith("0A ", StringComparison.Ordinal);
    }

    /// <summary>Socket inode to port, for the listening TCP sockets (only <paramref name="port"/>'s if given).</summary>
    [SupportedOSPlatform("linux")]
    private static Dictionary<string, int> ListeningSockets(int? port)
    {
        var inodes = new Dictionary<string, int>(StringComparer.Ordinal);
        if (SockDiag.Listeners() is { } listeners)
        {
            foreach (var (inode, listening) in listeners)
            {
                if (port is null || listening == port)
                {
                    inodes[inode.ToString(CultureInfo.InvariantCulture)] = listening;
                }
            }

            return inodes;
        }

        // Where netlink is not allowed: the LISTEN rows of /proc/net/tcp{,6}.
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(table))
            {
                continue;
            }

            foreach (var line in File.ReadLines(table).Skip(1))
            {
                // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
                if (!IsListenRow(line))
                {
                    continue; // most rows are TIME_WAIT leftovers of a polling client: skip them without splitting
                }

                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 10 || fields[3] != "0A")
                {
                    continue;
                }

                var local = fields[1];
                var portHex = local[(local.LastIndexOf(':') + 1)..];
                var listening = int.Parse(portHex, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (port is null || listening == port)
                {
                    inodes[fields[9]] = listening;
                }
            }
        }

        return inodes;
    }

    [SupportedOSPlatform("linux")]
    private static IEnumerable<string> SocketInodesOf(int pid) =>
        ProcessTable.Descriptors(pid)
            .Where(d => d.Target.StartsWith("socket:[", StringComparison.Ordinal))
            .Select(d => d.Target["socket:[".Length..^1]);
}
