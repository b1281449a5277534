using System.Runtime.InteropServices;

namespace FreshServe.Tests.Infrastructure;

/// <summary>Process facts the tests assert on, by pid only (never by name).</summary>
public static partial class ProcessProbe
{
    /// <summary>True while the pid names a live process (a zombie counts as gone).</summary>
    public static bool IsAlive(int pid)
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                var state = stat[(stat.LastIndexOf(')') + 2)..][0];
                return state is not ('Z' or 'X');
            }
            catch (IOException)
            {
                return false;
            }
        }

        try
        {
            using var p = System.Diagnostics.Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    public static async Task<bool> WaitUntilGoneAsync(IEnumerable<int> pids, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (pids.All(pid => !IsAlive(pid)))
            {
                return true;
            }

            await Task.Delay(20);
        }

        return pids.All(pid => !IsAlive(pid));
    }

    /// <summary>Kills each pid that is still alive (cleanup of a failed test) and reports which ones were.</summary>
    public static IReadOnlyList<int> KillSurvivors(IEnumerable<int> pids)
    {
        var survivors = pids.Where(IsAlive).ToList();
        foreach (var pid in survivors)
        {
            if (OperatingSystem.IsWindows())
            {
                try
                {
                    using var p = System.Diagnostics.Process.GetProcessById(pid);
                    p.Kill();
                }
                catch (ArgumentException)
                {
                }
            }
            else
            {
                kill(pid, 9);
            }
        }

        return survivors;
    }

    /// <summary>Every descendant of <paramref name="pid"/> now (Linux: from /proc).</summary>
    public static IReadOnlyList<int> Descendants(int pid)
    {
        if (!OperatingSystem.IsLinux())
        {
            return [];
        }

        var parents = new Dictionary<int, List<int>>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var child))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var parent = int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
                if (!parents.TryGetValue(parent, out var list))
                {
                    parents[parent] = list = [];
                }

                list.Add(child);
            }
            catch (IOException)
            {
            }
        }

        var result = new List<int>();
        var queue = new Queue<int>([pid]);
        while (queue.Count > 0)
        {
            if (parents.TryGetValue(queue.Dequeue(), out var kids))
            {
                foreach (var kid in kids)
                {
                    result.Add(kid);
                    queue.Enqueue(kid);
                }
            }
        }

        return result;
    }

    public static void Signal(int pid, int signal)
    {
        if (!OperatingSystem.IsWindows())
        {
            kill(pid, signal);
        }
    }

    public const int SIGHUP = 1;
    public const int SIGINT = 2;
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);
}
