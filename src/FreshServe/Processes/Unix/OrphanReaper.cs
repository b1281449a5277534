using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using FreshServe.Interop;

namespace FreshServe.Processes.Unix;

/// <summary>
/// Collects the exit status of every orphan re-parented to freshserve (Linux: freshserve is a child subreaper), as
/// soon as it dies: on each SIGCHLD, and whenever a stop takes a snapshot of the process table anyway.
/// <para>
/// freshserve has three kinds of children, and only orphans are reaped here:
/// <list type="bullet">
/// <item>processes started through <see cref="PosixSpawn"/> (workers, the guard): each has a thread of its own
/// blocked in waitpid on its pid. Their pids are recorded under the same lock as the spawn, so a sweep never sees
/// one it does not know.</item>
/// <item>processes started by .NET's Process class: the runtime reaps them on SIGCHLD, and if anyone else took
/// their exit status it would end freshserve with FailFast. A waitpid(-1) would race it, so nothing here waits on
/// anything but a pid. These children stay in freshserve's own process group (.NET 10 does not move them);</item>
/// <item>orphans: never in freshserve's group (workers lead groups of their own, and a daemon's setsid makes a new one).</item>
/// </list>
/// So a zombie child is reaped when it is outside freshserve's process group and has no waiter of its own.
/// </para>
/// </summary>
[UnsupportedOSPlatform("windows")]
internal static class OrphanReaper
{
    private static readonly Lock Gate = new();
    private static readonly HashSet<int> OwnWaiter = [];
    private static readonly int Self = Libc.getpid();
    private static readonly int OwnGroup = Libc.getpgrp();
    private static PosixSignalRegistration? _sigchld;
    private static int _requests;

    /// <summary>True once <see cref="Start"/> made this process the one that reaps orphans.</summary>
    public static bool Started
    {
        get
        {
            lock (Gate)
            {
                return _sigchld is not null;
            }
        }
    }

    /// <summary>Sweeps on every SIGCHLD from now on (Linux; idempotent). Also sweeps once, for orphans that died before.</summary>
    public static void Start()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        lock (Gate)
        {
            _sigchld ??= PosixSignalRegistration.Create(PosixSignal.SIGCHLD, _ => OnChildExited());
        }

        OnChildExited();
    }

    /// <summary>
    /// Holds sweeps off while a child is spawned: call <see cref="HasOwnWaiter"/> for its pid before disposing,
    /// so a child that dies at once is never mistaken for an orphan.
    /// </summary>
    public static Lock.Scope Spawning() => Gate.EnterScope();

    /// <summary>Records a child that a thread of freshserve waits for by pid.</summary>
    public static void HasOwnWaiter(int pid)
    {
        lock (Gate)
        {
            OwnWaiter.Add(pid);
        }
    }

    /// <summary>The waiter of <paramref name="pid"/> collected it: the pid may now be reused by anyone.</summary>
    public static void Reaped(int pid)
    {
        lock (Gate)
        {
            OwnWaiter.Remove(pid);
        }
    }

    /// <summary>True when a zombie child may be reaped here: an orphan, neither a .NET child nor one with its own waiter.</summary>
    public static bool IsOrphanZombie(ProcessEntry e, int self, int ownGroup, IReadOnlySet<int> ownWaiter) =>
        e.Zombie && e.ParentPid == self && e.Group != ownGroup && !ownWaiter.Contains(e.Pid);

    /// <summary>Reaps every orphan zombie in <paramref name="snapshot"/> (a fresh snapshot when null); returns how many.</summary>
    public static int Sweep(IEnumerable<ProcessEntry>? snapshot = null)
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }

        if (snapshot is null && !AnyZombieChild())
        {
            return 0;
        }

        // Walked outside the lock: a spawn waits on it (a worker exiting at SIGTERM set off this sweep just as the next
        // one is spawned), and every candidate is read again under it below.
        snapshot ??= ProcessTable.Snapshot(null);
        lock (Gate)
        {
            var reaped = 0;
            foreach (var e in snapshot)
            {
                // The snapshot may be older than a waiter's reap; the pid is then gone or reused, and no longer a
                // zombie child: read it again, under the lock that keeps a new child of ours from slipping in.
                if (IsOrphanZombie(e, Self, OwnGroup, OwnWaiter) && ProcessTable.Read(e.Pid) is { } now
                    && IsOrphanZombie(now, Self, OwnGroup, OwnWaiter) && Libc.waitpid(e.Pid, out _, Libc.WNOHANG) == e.Pid)
                {
                    reaped++;
                }
            }

            return reaped;
        }
    }

    /// <summary>Runs sweeps until no SIGCHLD arrived during the last one (signals coalesce; so do sweeps).</summary>
    private static void OnChildExited()
    {
        if (Interlocked.Increment(ref _requests) != 1)
        {
            return;
        }

        while (true)
        {
            var seen = Volatile.Read(ref _requests);
            Sweep();
            if (Interlocked.CompareExchange(ref _requests, 0, seen) == seen)
            {
                return;
            }
        }
    }

    /// <summary>A cheap look (waitid with WNOWAIT consumes nothing) whether any child is a zombie at all.</summary>
    private static unsafe bool AnyZombieChild()
    {
        var info = stackalloc byte[Libc.SigInfoSize];
        new Span<byte>(info, Libc.SigInfoSize).Clear();
        return Libc.waitid(Libc.P_ALL, 0, info, Libc.WEXITED | Libc.WNOHANG | Libc.WNOWAIT) == 0
            ? *(int*)(info + Libc.SigInfoPidOffset) != 0
            : Marshal.GetLastPInvokeError() != Libc.ECHILD; // no child at all; any other error: look anyway
    }
}
