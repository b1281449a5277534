using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using FreshServe.Interop;

namespace FreshServe.Processes.Unix;

/// <summary>
/// Starts each worker with posix_spawn as the leader of a new process group, so one signal to the group reaches
/// every process a shell wrapper, npm or a reloader starts under it; stopping also collects what left the group
/// (see <see cref="WorkerTree"/>). On Linux freshserve becomes a child subreaper, so orphans of a worker tree are
/// re-parented to freshserve rather than to init and stay findable; <see cref="OrphanReaper"/> collects their exit
/// status as soon as they die. One <see cref="SupervisorGuard"/> per session kills the trees if freshserve itself dies.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class UnixWorkerLauncher : IWorkerLauncher
{
    private readonly string _session;
    private readonly Lazy<SupervisorGuard> _guard;
    private int _started;

    /// <param name="session">The session id the workers' <see cref="ProcessMarker"/> names (a random one when null).</param>
    /// <param name="reapOrphans">
    /// Make this process the subreaper of its workers' orphans and reap them (<see cref="OrphanReaper"/>). False only
    /// in a host that also starts children with .NET's Process class which leave its process group (a test host
    /// starting <c>setsid prog</c>): the reaper would take their exit status from the runtime, which ends the host.
    /// </param>
    public UnixWorkerLauncher(string? session = null, bool reapOrphans = true)
    {
        _session = session ?? ProcessMarker.NewSessionId();
        _guard = new Lazy<SupervisorGuard>(() => SupervisorGuard.Start(_session));
        if (reapOrphans && OperatingSystem.IsLinux())
        {
            Libc.prctl(Libc.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
            OrphanReaper.Start();
        }
    }

    public IWorker Start(ProcessSpec spec)
    {
        var guard = _guard.Value;
        var marker = $"{ProcessMarker.Variable}={ProcessMarker.Value(_session, Interlocked.Increment(ref _started))}";
        var argv = new List<string> { spec.FileName };
        argv.AddRange(spec.Arguments);
        var envp = spec.Environment
            .Where(kv => kv.Key != ProcessMarker.Variable)
            .Select(kv => $"{kv.Key}={kv.Value}")
            .Append(marker);
        var pid = PosixSpawn.Spawn(spec.FileName, argv, envp, spec.WorkingDirectory,
            stdinFrom: spec.DetachStdin ? -2 : -1, silenceOutput: false, outputTo: spec.Output is { } output ? (int)output.DangerousGetHandle() : -1);
        return new UnixWorker(pid, new WorkerTree(pid, marker, p => p == guard.Pid));
    }
}

/// <summary>A worker that leads its own process group. Its exit is collected by a dedicated waitpid thread.</summary>
[UnsupportedOSPlatform("windows")]
internal sealed class UnixWorker : IWorker
{
    private static readonly TimeSpan RescanEvery = TimeSpan.FromMilliseconds(100);
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly WorkerTree _tree;
    private readonly SemaphoreSlim _stopping = new(1, 1);
    private bool _provenGone;

    public UnixWorker(int pid, WorkerTree tree)
    {
        Pid = pid;
        _tree = tree;
        var waiter = new Thread(WaitForExit) { IsBackground = true, Name = $"waitpid {pid}" };
        // Thread.Start returns once the new thread runs: a scheduler round trip (ms on a loaded machine) the restart
        // need not wait for. A child that exits before its waiter runs stays a zombie until then; nothing else reaps it.
        ThreadPool.UnsafeQueueUserWorkItem(static thread => thread.Start(), waiter, preferLocal: false);
    }

    public int Pid { get; }

    public Task<int> Exited => _exited.Task;

    private void WaitForExit()
    {
        while (true)
        {
            var result = Libc.waitpid(Pid, out var status, 0);
            if (result == Pid)
            {
                OrphanReaper.Reaped(Pid);
                _exited.TrySetResult(Libc.DecodeWaitStatus(status));
                return;
            }

            if (result == -1 && Marshal.GetLastPInvokeError() != Libc.EINTR)
            {
                // Reaped elsewhere (should not happen): report an unknown exit rather than hang.
                OrphanReaper.Reaped(Pid);
                _exited.TrySetResult(-1);
                return;
            }
        }
    }

    public async Task<StopOutcome> StopAsync(StopPolicy policy, CancellationToken forceNow = default)
    {
        await _stopping.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (_provenGone)
            {
                return new(TimeSpan.Zero, Forced: false);
            }

            var outcome = await TreeStopper.StopAsync(new Stoppable(this), policy, forceNow).ConfigureAwait(false);
            _provenGone = Exited.IsCompleted && !_tree.AnyKnownAlive();
            return outcome;
        }
        finally
        {
            _stopping.Release();
        }
    }

    /// <summary>The Unix hooks of <see cref="TreeStopper"/> for one stop of this worker's tree.</summary>
    private sealed class Stoppable(UnixWorker worker) : IStoppableTree
    {
        private readonly WorkerTree _tree = worker._tree;
        private readonly Stopwatch _sinceScan = Stopwatch.StartNew();

        public Task? Changed => worker.Exited;

        /// <summary>
        /// Gone once the root exited and no member is left. Known members are checked by pid (cheap); a full snapshot
        /// runs every <see cref="RescanEvery"/> and once more before declaring the tree gone, to catch late forks.
        /// </summary>
        public bool IsGone()
        {
            if (worker.Exited.IsCompleted && !_tree.AnyKnownAlive())
            {
                if (_tree.Refresh().Count == 0)
                {
                    return true;
                }

                _sinceScan.Restart();
            }
            else if (_sinceScan.Elapsed >= RescanEvery)
            {
                _tree.Refresh();
                _sinceScan.Restart();
            }

            return false;
        }

        private bool _groupSignalled;

        /// <summary>
        /// The worker's own group, in one call before any /proc read: the server learns of the stop at once, and the
        /// restart waiting on it goes on. Only while the root is not yet reaped (its pid, the group's id, cannot have
        /// been reused then).
        /// </summary>
        public bool SendGraceful(StopSignal signal)
        {
            _groupSignalled = !worker.Exited.IsCompleted && Libc.kill(-worker.Pid, Libc.SignalNumber(signal)) == 0;
            if (_groupSignalled)
            {
                // A stopped process (SIGTTIN from reading the terminal, SIGTSTP) keeps the signal pending until continued.
                Libc.kill(-worker.Pid, Libc.SIGCONT);
            }

            return true;
        }

        /// <summary>The members outside the worker's group (a setsid child, a daemon), found by a full /proc look (ms).</summary>
        public void SendGracefulToTheRest(StopSignal signal)
        {
            var members = _tree.Refresh();
            // Each process is signalled once: a second SIGTERM makes uvicorn skip its graceful shutdown.
            var rest = _groupSignalled ? members.Where(m => m.Group != worker.Pid).ToList() : members;
            _tree.Signal(rest, Libc.SignalNumber(signal));
            _tree.Signal(rest, Libc.SIGCONT);
        }

        /// <summary>Freezes every member (so none forks a replacement), then kills what a new snapshot finds.</summary>
        public void Force()
        {
            var members = _tree.Refresh();
            if (members.Count > 0)
            {
                _tree.Signal(members, Libc.SIGSTOP);
                _tree.Signal(_tree.Refresh(), Libc.SIGKILL);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(new StopPolicy(StopSignal.Kill, TimeSpan.Zero)).ConfigureAwait(false);
        _stopping.Dispose();
    }
}
