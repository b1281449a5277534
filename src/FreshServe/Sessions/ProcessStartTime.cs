using System.Diagnostics;
using System.Globalization;

namespace FreshServe.Sessions;

/// <summary>
/// A process's start time, as a number that tells the original process from a later one that reused its pid.
/// Linux: field 22 of /proc/PID/stat (clock ticks since boot); elsewhere: Process.StartTime in UTC ticks.
/// </summary>
public static class ProcessStartTime
{
    /// <summary>The start time of <paramref name="pid"/>, or null when no such process is alive (zombies count as gone).</summary>
    public static long? Of(int pid)
    {
        if (pid <= 0)
        {
            return null;
        }

        if (OperatingSystem.IsLinux())
        {
            return FromProcStat(pid);
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited ? null : process.StartTime.ToUniversalTime().Ticks;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception
                                       or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>True when <paramref name="pid"/> is alive and is the very process that started at <paramref name="startTime"/>.</summary>
    public static bool Matches(int pid, long startTime) => Of(pid) == startTime;

    private static long? FromProcStat(int pid)
    {
        try
        {
            return ParseProcStat(File.ReadAllText($"/proc/{pid}/stat"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Field 22 (starttime) of a /proc/PID/stat line; null for a zombie or a line that does not parse.</summary>
    public static long? ParseProcStat(string stat)
    {
        // The command name (field 2) is in parentheses and may hold spaces or ')': fields resume after the last ')'.
        var close = stat.LastIndexOf(')');
        if (close < 0 || close + 2 >= stat.Length)
        {
            return null;
        }

        var fields = stat[(close + 2)..].Split(' ');
        // fields[0] is field 3 (state), so field 22 is fields[19].
        if (fields.Length < 20 || fields[0] is "Z" or "X")
        {
            return null;
        }

        return long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) ? ticks : null;
    }
}
