using System.Diagnostics;
using FreshServe.Processes.Unix;

namespace FreshServe.Processes;

/// <summary>
/// A process's start time, as a number that tells the original process from a later one that reused its pid; the one
/// unit every identity check compares (<see cref="ProcessEntry.StartTime"/> is in it too). Linux: field 22 of
/// /proc/PID/stat, clock ticks since boot (read by <see cref="ProcessTable"/>); macOS and the BSDs: Unix seconds, the
/// resolution of ps's lstart that <see cref="ProcessTable"/> reads there; Windows: Process.StartTime in UTC ticks.
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
            return ProcessTable.Read(pid) is { Zombie: false } entry ? entry.StartTime : null;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited ? null
                : OperatingSystem.IsWindows() ? process.StartTime.ToUniversalTime().Ticks
                : FromLocalTime(process.StartTime);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception
                                       or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>True when <paramref name="pid"/> is alive and is the very process that started at <paramref name="startTime"/>.</summary>
    public static bool Matches(int pid, long startTime) => Of(pid) == startTime;

    /// <summary>macOS and the BSDs: a local start time as whole Unix seconds.</summary>
    internal static long FromLocalTime(DateTime started) => new DateTimeOffset(started).ToUnixTimeSeconds();
}
