using System.Diagnostics;
using FreshServe.Interop;
using FreshServe.Processes;

namespace FreshServe.Sessions;

/// <summary>
/// Finds and stops processes that belong to a recorded session. Nothing is signalled unless its identity is proved:
/// the pid is alive with the recorded start time, or (Linux) the process carries the session's <see cref="ProcessMarker"/>.
/// </summary>
public static class SessionProcesses
{
    /// <summary>The pids proved to belong to the session's worker tree right now (never our own pid).</summary>
    public static IReadOnlyList<int> LeftoverPids(SessionRecord record)
    {
        var pids = new HashSet<int>();
        if (WorkerLeaderMatches(record))
        {
            pids.Add(record.WorkerPid!.Value);
        }

        if (OperatingSystem.IsLinux())
        {
            pids.UnionWith(ProcessMarker.PidsOf(record.Id));
        }

        pids.Remove(Environment.ProcessId);
        return pids.Order().ToArray();
    }

    public static bool WorkerLeaderMatches(SessionRecord record) =>
        record.WorkerPid is { } pid && record.WorkerStartTime is { } start && ProcessStartTime.Matches(pid, start);

    /// <summary>
    /// Stops what is left of a dead session's worker tree as a worker is stopped (<see cref="TreeStopper"/>): the
    /// policy's graceful signal, then a kill after its timeout. Returns the pids that were signalled.
    /// </summary>
    public static async Task<IReadOnlyList<int>> StopLeftoversAsync(SessionRecord record, StopPolicy policy)
    {
        var targets = LeftoverPids(record).Select(pid => (Pid: pid, Start: ProcessStartTime.Of(pid))).Where(t => t.Start is not null).ToList();
        if (targets.Count == 0)
        {
            return [];
        }

        var group = WorkerLeaderMatches(record) && record.WorkerGroup == record.WorkerPid
            && GroupOf(record.WorkerPid!.Value) == record.WorkerGroup ? record.WorkerGroup : null;
        await TreeStopper.StopAsync(new Leftovers(record, targets, group), policy).ConfigureAwait(false);
        return targets.Select(t => t.Pid).ToArray();
    }

    /// <summary>The hooks of <see cref="TreeStopper"/> for a dead session's leftovers, each proved by pid and start time.</summary>
    private sealed class Leftovers(SessionRecord record, IReadOnlyList<(int Pid, long? Start)> targets, int? group) : IStoppableTree
    {
        public Task? Changed => null;

        public bool IsGone() => !AnyAlive(targets, group);

        /// <summary>Windows has no console shared with a dead session's tree to send Ctrl+Break to: it is ended at once.</summary>
        public bool SendGraceful(StopSignal signal)
        {
            if (OperatingSystem.IsWindows())
            {
                return false;
            }

            Signal(record, targets, group, Libc.SignalNumber(signal));
            return true;
        }

        public void Force()
        {
            if (OperatingSystem.IsWindows())
            {
                foreach (var (pid, start) in targets.Where(t => ProcessStartTime.Of(t.Pid) == t.Start))
                {
                    KillTree(pid);
                }

                return;
            }

            Signal(record, targets, group, Libc.SIGKILL);
        }
    }

    /// <summary>Asks a live supervisor (identity checked) to stop; it stops its own worker tree as on Ctrl+C.</summary>
    public static async Task<bool> StopSupervisorAsync(SessionRecord record, TimeSpan timeout)
    {
        if (!record.SupervisorAlive())
        {
            return true;
        }

        Terminate(record.Pid, graceful: true);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (!record.SupervisorAlive())
            {
                return true;
            }

            await Task.Delay(20).ConfigureAwait(false);
        }

        // It did not stop in time: kill it; its worker tree then counts as a leftover and is stopped as one.
        if (record.SupervisorAlive())
        {
            Terminate(record.Pid, graceful: false);
        }

        return false;
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void Signal(SessionRecord record, IReadOnlyList<(int Pid, long? Start)> targets, int? group, int signal)
    {
        if (group is { } pgid && WorkerLeaderMatches(record))
        {
            // The leader (pid == group id) is proved to be the recorded worker right now, and a group id is never
            // handed to a new process while its leader lives, so the group is still the worker's. Once the leader
            // is gone, only processes proved one by one are signalled.
            Libc.kill(-pgid, signal);
        }

        foreach (var (pid, start) in targets)
        {
            if (ProcessStartTime.Of(pid) == start)
            {
                Libc.kill(pid, signal);
            }
        }
    }

    private static bool AnyAlive(IReadOnlyList<(int Pid, long? Start)> targets, int? group) =>
        targets.Any(t => ProcessStartTime.Of(t.Pid) == t.Start)
        || (group is { } pgid && !OperatingSystem.IsWindows() && Libc.kill(-pgid, 0) == 0);

    private static void Terminate(int pid, bool graceful)
    {
        if (OperatingSystem.IsWindows())
        {
            KillTree(pid);
            return;
        }

        Libc.kill(pid, graceful ? Libc.SIGTERM : Libc.SIGKILL);
    }

    private static void KillTree(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
        }
    }

    /// <summary>The process group of <paramref name="pid"/> on Unix, or null.</summary>
    public static int? GroupOf(int pid)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        var group = Libc.getpgid(pid);
        return group > 0 ? group : null;
    }
}
