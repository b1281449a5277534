using System.Diagnostics;
using System.Globalization;
using System.Runtime.Versioning;
using System.Text;

namespace FreshServe.Processes.Unix;

/// <summary>
/// One process as a snapshot saw it. <see cref="StartTime"/> tells a reused pid from the original, in the unit of
/// <see cref="ProcessStartTime"/> (Linux: field 22 of /proc/PID/stat, clock ticks since boot; macOS: ps lstart,
/// seconds). <see cref="CarriesToken"/>: its environment holds the marker the snapshot looked for (Linux only; always
/// false elsewhere; see <see cref="ProcessMarker"/>).
/// </summary>
internal readonly record struct ProcessEntry(int Pid, int ParentPid, int Group, long StartTime, bool Zombie, bool CarriesToken);

/// <summary>
/// The one reader of other processes' state: a snapshot of every process this user can see (/proc on Linux, ps
/// elsewhere), and on Linux a process's environment, open descriptors, program and command line. Every /proc/PID
/// read in freshserve goes through here.
/// </summary>
[UnsupportedOSPlatform("windows")]
internal static class ProcessTable
{
    /// <summary>
    /// Every process now. <paramref name="marker"/> ("NAME=value", Linux) sets <see cref="ProcessEntry.CarriesToken"/>
    /// on the processes whose environment holds exactly that entry, or with <paramref name="markerIsPrefix"/> an entry
    /// that starts with it.
    /// </summary>
    public static IReadOnlyList<ProcessEntry> Snapshot(string? marker, bool markerIsPrefix = false) =>
        OperatingSystem.IsLinux() ? FromProc(marker, markerIsPrefix) : FromPs();

    /// <summary>The entry for one pid now, or null when it is gone (cheaper than a whole snapshot).</summary>
    public static ProcessEntry? Read(int pid) =>
        OperatingSystem.IsLinux()
            ? ReadStat(pid, null)
            : FromPs().Cast<ProcessEntry?>().FirstOrDefault(e => e!.Value.Pid == pid);

    /// <summary>The pids in <paramref name="root"/>'s process group or below it, as a snapshot sees them now.</summary>
    public static IReadOnlyList<int> GroupAndDescendants(int root)
    {
        var snapshot = Snapshot(null);
        var tree = snapshot.Where(e => e.Pid == root || e.Group == root).Select(e => e.Pid).ToHashSet();
        for (var grew = true; grew;)
        {
            grew = false;
            foreach (var entry in snapshot)
            {
                grew |= tree.Contains(entry.ParentPid) && tree.Add(entry.Pid);
            }
        }

        return tree.ToList();
    }

    /// <summary>
    /// A start time no process started from now on can be below (one second of slack), for a worker that exited before
    /// its start time was read. Linux: clock ticks since boot, at the USER_HZ of 100 that /proc uses.
    /// </summary>
    public static long EarliestPossibleStartOfANewProcess()
    {
        if (!OperatingSystem.IsLinux())
        {
            return DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 1;
        }

        var uptime = File.ReadAllText("/proc/uptime").Split(' ')[0];
        return (long)(double.Parse(uptime, CultureInfo.InvariantCulture) * 100) - 100;
    }

    /// <summary>The pids under /proc (Linux).</summary>
    [SupportedOSPlatform("linux")]
    public static IEnumerable<int> Pids()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            var name = dir.AsSpan(6);
            if (name.Length > 0 && char.IsAsciiDigit(name[0]) && int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                yield return pid;
            }
        }
    }

    /// <summary>The value of <paramref name="name"/> in a process's environment as it started (Linux, same user), or null.</summary>
    [SupportedOSPlatform("linux")]
    public static string? EnvironmentValue(int pid, string name)
    {
        var prefix = name + "=";
        return ReadEnviron(pid) is { } environ
            ? Encoding.UTF8.GetString(environ).Split('\0').FirstOrDefault(v => v.StartsWith(prefix, StringComparison.Ordinal))?[prefix.Length..]
            : null;
    }

    /// <summary>A process's open descriptors (number, link target), empty when it is gone or another user's (Linux).</summary>
    [SupportedOSPlatform("linux")]
    public static IReadOnlyList<(string Fd, string Target)> Descriptors(int pid)
    {
        var found = new List<(string, string)>();
        try
        {
            foreach (var fd in Directory.EnumerateFiles($"/proc/{pid}/fd"))
            {
                if (new FileInfo(fd).LinkTarget is { } target)
                {
                    found.Add((Path.GetFileName(fd), target));
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Gone, or another user's.
        }

        return found;
    }

    /// <summary>What descriptor <paramref name="fd"/> of <paramref name="pid"/> points at (a path, "pipe:[N]", "anon_inode:inotify"); null when closed or gone (Linux).</summary>
    [SupportedOSPlatform("linux")]
    public static string? DescriptorTarget(int pid, int fd)
    {
        try
        {
            return new FileInfo($"/proc/{pid}/fd/{fd}").LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>True when descriptor <paramref name="fd"/> of <paramref name="pid"/> is open for writing (Linux).</summary>
    [SupportedOSPlatform("linux")]
    public static bool IsOpenForWriting(int pid, string fd)
    {
        try
        {
            // fdinfo's "flags:" line is octal open(2) flags; the low two bits are the access mode.
            foreach (var line in File.ReadLines($"/proc/{pid}/fdinfo/{fd}"))
            {
                if (line.StartsWith("flags:", StringComparison.Ordinal))
                {
                    var flags = Convert.ToInt32(line["flags:".Length..].Trim(), 8);
                    return (flags & 3) is 1 or 2; // O_WRONLY, O_RDWR
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return false;
    }

    /// <summary>
    /// The program <paramref name="pid"/> runs; ends with " (deleted)" when the file it was started from has been
    /// replaced since (it runs an old build). Null when it is gone or not ours (Linux).
    /// </summary>
    [SupportedOSPlatform("linux")]
    public static string? Executable(int pid)
    {
        try
        {
            return new FileInfo($"/proc/{pid}/exe").LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>A process's command line with spaces between the arguments, or null when it cannot be read (Linux).</summary>
    [SupportedOSPlatform("linux")]
    public static string? CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").TrimEnd('\0').Replace('\0', ' ');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// The entry a /proc/PID/stat line describes (CarriesToken false), or null when it does not parse. Field 22 is
    /// the start time; the command name (field 2) may hold spaces and parentheses, so fields are read from the last ')'.
    /// </summary>
    public static ProcessEntry? ParseStat(int pid, string stat)
    {
        var close = stat.LastIndexOf(')');
        if (close < 0 || close + 2 >= stat.Length)
        {
            return null;
        }

        // fields[0] is field 3 (state), so field 22 is fields[19].
        var fields = stat[(close + 2)..].Split(' ');
        if (fields.Length < 20
            || !int.TryParse(fields[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parent)
            || !int.TryParse(fields[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var group)
            || !long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var start))
        {
            return null;
        }

        return new ProcessEntry(pid, parent, group, start, fields[0] is "Z" or "X", false);
    }

    [SupportedOSPlatform("linux")]
    private static List<ProcessEntry> FromProc(string? marker, bool markerIsPrefix)
    {
        // Matched as "\0NAME=value\0" (or without the closing NUL for a prefix), with a NUL put in front of the
        // environment for the first entry.
        var needle = marker is null ? null : Encoding.UTF8.GetBytes('\0' + marker + (markerIsPrefix ? "" : "\0"));
        var result = new List<ProcessEntry>(512);
        foreach (var pid in Pids())
        {
            if (ReadStat(pid, needle) is { } entry)
            {
                result.Add(entry);
            }
        }

        return result;
    }

    private static ProcessEntry? ReadStat(int pid, byte[]? needle)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        if (ParseStat(pid, stat) is not { } entry)
        {
            return null;
        }

        return needle is not null && !entry.Zombie && EnvironContains(pid, needle) ? entry with { CarriesToken = true } : entry;
    }

    private static bool EnvironContains(int pid, byte[] needle) =>
        ReadEnviron(pid) is { } environ
        && (environ.AsSpan().StartsWith(needle.AsSpan(1)) || environ.AsSpan().IndexOf(needle) >= 0);

    private static byte[]? ReadEnviron(int pid)
    {
        try
        {
            return File.ReadAllBytes($"/proc/{pid}/environ");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>macOS and the BSDs: one ps run; start times have one-second resolution; no environment check.</summary>
    private static List<ProcessEntry> FromPs()
    {
        var info = new ProcessStartInfo("/bin/ps", ["-A", "-o", "pid=", "-o", "ppid=", "-o", "pgid=", "-o", "stat=", "-o", "lstart="])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var ps = Process.Start(info)!;
        var output = ps.StandardOutput.ReadToEnd();
        ps.WaitForExit();
        var result = new List<ProcessEntry>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ', 5, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (parts.Length < 5 || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            var started = DateTime.TryParseExact(string.Join(' ', parts[4].Split(' ', StringSplitOptions.RemoveEmptyEntries)),
                "ddd MMM d HH:mm:ss yyyy", CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var at)
                ? ProcessStartTime.FromLocalTime(at)
                : 0;
            result.Add(new ProcessEntry(pid, int.Parse(parts[1], CultureInfo.InvariantCulture),
                int.Parse(parts[2], CultureInfo.InvariantCulture), started, parts[3].StartsWith('Z'), false));
        }

        return result;
    }
}
