using System.Globalization;
using System.Runtime.Versioning;

namespace FreshServe.Ports;

/// <summary>Who holds a listening port: pid and command line, when the platform lets us see it.</summary>
public sealed record PortHolder(int? Pid, string? CommandLine)
{
    public string Describe() => Pid is { } pid
        ? $"pid {pid} ({CommandLine ?? "command line unknown"})"
        : "a process freshserve cannot name";
}

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
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(table))
            {
                continue;
            }

            foreach (var line in File.ReadLines(table).Skip(1))
            {
                // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 10 || fields[3] != "0A")
                {
                    continue;
                }

                var local = fields[1];
                var portHex = local[(local.LastIndexOf(':') + 1)..];
                if (int.Parse(portHex, NumberStyles.HexNumber, CultureInfo.InvariantCulture) == port)
                {
                    inodes.Add(fields[9]);
                }
            }
        }

        if (inodes.Count == 0)
        {
            return new PortHolder(null, null);
        }

        foreach (var procDir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(procDir), out var pid))
            {
                continue;
            }

            try
            {
                foreach (var fd in Directory.EnumerateFiles(Path.Combine(procDir, "fd")))
                {
                    var target = new FileInfo(fd).LinkTarget;
                    if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal)
                        && inodes.Contains(target["socket:[".Length..^1]))
                    {
                        return new PortHolder(pid, ReadCommandLine(pid));
                    }
                }
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException)
            {
                // Another user's process, or one that just exited.
            }
        }

        return new PortHolder(null, null);
    }

    [SupportedOSPlatform("linux")]
    private static string? ReadCommandLine(int pid)
    {
        try
        {
            var raw = File.ReadAllText($"/proc/{pid}/cmdline");
            return raw.TrimEnd('\0').Replace('\0', ' ');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
