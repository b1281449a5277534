using System.Diagnostics;
using System.Globalization;
using System.Runtime.Versioning;
using System.Text;

namespace FreshServe.Processes.Unix;

/// <summary>
/// One process as a snapshot saw it. <see cref="StartTime"/> tells a reused pid from the original (Linux: field 22
/// of /proc/PID/stat, clock ticks since boot; macOS: ps lstart, seconds). <see cref="CarriesToken"/>: its environment
/// holds the session's tree token (Linux only; always false elsewhere).
/// </summary>
internal readonly record struct ProcessEntry(int Pid, int ParentPid, int Group, long StartTime, bool Zombie, bool CarriesToken);

/// <summary>A snapshot of every process this user can see: read from /proc on Linux, from ps elsewhere.</summary>
[UnsupportedOSPlatform("windows")]
internal static class ProcessTable
{
    public static IReadOnlyList<ProcessEntry> Snapshot(string? tokenAssignment) =>
        OperatingSystem.IsLinux() ? FromProc(tokenAssignment) : FromPs();

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

    private static List<ProcessEntry> FromProc(string? tokenAssignment)
    {
        // Matched as "\0NAME=value\0", with a NUL put in front of the environment for the first entry.
        var token = tokenAssignment is null ? null : Encoding.UTF8.GetBytes('\0' + tokenAssignment + '\0');
        var result = new List<ProcessEntry>(512);
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            var name = dir.AsSpan(6);
            if (name.Length == 0 || !char.IsAsciiDigit(name[0]) || !int.TryParse(name, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            if (ReadStat(pid, token) is { } entry)
            {
                result.Add(entry);
            }
        }

        return result;
    }

    private static ProcessEntry? ReadStat(int pid, byte[]? token)
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

        // The command name (field 2) may hold spaces and parentheses: parse from the last ')'.
        var close = stat.LastIndexOf(')');
        if (close < 0 || close + 2 >= stat.Length)
        {
            return null;
        }

        var fields = stat[(close + 2)..].Split(' ');
        if (fields.Length < 20)
        {
            return null;
        }

        var state = fields[0];
        var zombie = state is "Z" or "X";
        var carries = token is not null && !zombie && EnvironContains(pid, token);
        return new ProcessEntry(pid,
            int.Parse(fields[1], CultureInfo.InvariantCulture),
            int.Parse(fields[2], CultureInfo.InvariantCulture),
            long.Parse(fields[19], CultureInfo.InvariantCulture),
            zombie,
            carries);
    }

    private static bool EnvironContains(int pid, byte[] assignment)
    {
        try
        {
            var environ = File.ReadAllBytes($"/proc/{pid}/environ");
            var span = environ.AsSpan();
            return span.StartsWith(assignment.AsSpan(1)) || span.IndexOf(assignment) >= 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
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
                ? new DateTimeOffset(at).ToUnixTimeSeconds()
                : 0;
            result.Add(new ProcessEntry(pid, int.Parse(parts[1], CultureInfo.InvariantCulture),
                int.Parse(parts[2], CultureInfo.InvariantCulture), started, parts[3].StartsWith('Z'), false));
        }

        return result;
    }
}
