using System.Runtime.Versioning;
using FreshServe.Interop;

namespace FreshServe.Processes.Unix;

/// <summary>
/// Every process that belongs to one worker, whatever its shape. A process belongs when, at some snapshot, it
/// <list type="bullet">
/// <item>is in the worker's process group (shell wrappers, npm, forked worker pools),</item>
/// <item>descends by parent pid from the worker or from a process already known to belong (a child that called
/// setsid and left the group), or</item>
/// <item>carries the worker's <see cref="ProcessMarker"/> in its environment (Linux: a daemon that left the group and whose
/// parent already exited; with freshserve as child subreaper such orphans are re-parented to freshserve, never to init).</item>
/// </list>
/// and it started no earlier than the worker. Each member is recorded as (pid, start time) the first time it is seen,
/// and is signalled only while its start time still matches, so a reused pid is never touched. Snapshots are taken
/// only while stopping: an idle worker costs no /proc reads.
/// </summary>
[UnsupportedOSPlatform("windows")]
internal sealed class WorkerTree
{
    private readonly int _root;
    private readonly long _rootStart;
    private readonly string _marker;
    private readonly int _self = Libc.getpid();
    private readonly Func<int, bool> _isHelper;
    private readonly Dictionary<int, ProcessEntry> _members = [];

    public WorkerTree(int root, string marker, Func<int, bool> isHelper)
    {
        _root = root;
        _marker = marker;
        _isHelper = isHelper;
        var entry = ProcessTable.Read(root);
        _rootStart = entry?.StartTime ?? ProcessTable.EarliestPossibleStartOfANewProcess();
        if (entry is { } e)
        {
            _members[root] = e;
        }
    }

    /// <summary>Takes a snapshot, adds newly found members, forgets the ones that are gone; returns the live members.</summary>
    public IReadOnlyList<ProcessEntry> Refresh()
    {
        var snapshot = ProcessTable.Snapshot(_marker);
        var byPid = snapshot.ToDictionary(e => e.Pid);
        var children = snapshot.ToLookup(e => e.ParentPid);

        foreach (var (pid, known) in _members.ToList())
        {
            if (!byPid.TryGetValue(pid, out var now) || now.StartTime != known.StartTime)
            {
                _members.Remove(pid);
            }
        }

        var queue = new Queue<ProcessEntry>();
        foreach (var e in snapshot)
        {
            if (Belongs(e) && _members.TryAdd(e.Pid, e))
            {
                queue.Enqueue(e);
            }
        }

        foreach (var known in _members.Values)
        {
            queue.Enqueue(known);
        }

        while (queue.Count > 0)
        {
            foreach (var child in children[queue.Dequeue().Pid])
            {
                if (Eligible(child) && _members.TryAdd(child.Pid, child))
                {
                    queue.Enqueue(child);
                }
            }
        }

        foreach (var pid in _members.Keys.ToList())
        {
            var now = byPid[pid];
            _members[pid] = now;
            if (now.Zombie)
            {
                _members.Remove(pid);
            }
        }

        if (OrphanReaper.Started)
        {
            OrphanReaper.Sweep(snapshot);
        }

        return _members.Values.ToList();
    }

    private bool Eligible(ProcessEntry e) => e.Pid != _self && !_isHelper(e.Pid) && e.StartTime >= _rootStart;

    private bool Belongs(ProcessEntry e) => Eligible(e) && (e.Group == _root || e.CarriesToken);

    /// <summary>True while any recorded member is still alive with its recorded start time (no full snapshot).</summary>
    public bool AnyKnownAlive() =>
        OperatingSystem.IsLinux()
            ? _members.Values.Any(m => ProcessTable.Read(m.Pid) is { Zombie: false } now && now.StartTime == m.StartTime)
            : _members.Values.Any(m => Libc.kill(m.Pid, 0) == 0); // ps per pid would be too slow; the next snapshot checks start times.

    /// <summary>
    /// Signals the members: each process group that a member leads (the worker's group included) as a whole, and
    /// each member outside those groups by pid. Zombies and reused pids were dropped by the last refresh.
    /// </summary>
    public void Signal(IReadOnlyList<ProcessEntry> members, int signal)
    {
        var ledGroups = members.Where(m => m.Group == m.Pid).Select(m => m.Group).ToHashSet();
        foreach (var group in ledGroups)
        {
            Libc.kill(-group, signal);
        }

        foreach (var m in members.Where(m => !ledGroups.Contains(m.Group)))
        {
            Libc.kill(m.Pid, signal);
        }
    }
}
