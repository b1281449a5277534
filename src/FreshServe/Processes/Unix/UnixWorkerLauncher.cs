using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;

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
    /// <summary>The environment variable that marks every process of this session's worker trees.</summary>
    public const string TokenVariable = "FRESHSERVE_TREE";

    // Random v4 GUIDs come from the OS's secure generator, without loading OpenSSL as RandomNumberGenerator does (5 MB RSS).
    private readonly string _token = Guid.NewGuid().ToString("N");
    private readonly Lazy<SupervisorGuard> _guard;

    public UnixWorkerLauncher()
    {
        _guard = new Lazy<SupervisorGuard>(() => SupervisorGuard.Start(_token));
        if (OperatingSystem.IsLinux())
        {
            Libc.prctl(Libc.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
            OrphanReaper.Start();
        }
    }

    /// <summary>The guard's pid once the first worker started (0 before).</summary>
    public int GuardPid => _guard.IsValueCreated ? _guard.Value.Pid : 0;

    public IWorker Start(ProcessSpec spec)
    {
        var guard = _guard.Value;
        var argv = new List<string> { spec.FileName };
        argv.AddRange(spec.Arguments);
        var envp = spec.Environment
            .Where(kv => kv.Key != TokenVariable)
            .Select(kv => $"{kv.Key}={kv.Value}")
            .Append($"{TokenVariable}={_token}");
        var pid = PosixSpawn.Spawn(spec.FileName, argv, envp, spec.WorkingDirectory,
            stdinFrom: spec.DetachStdin ? -2 : -1, silenceOutput: false);
        return new UnixWorker(pid, new WorkerTree(pid, $"{TokenVariable}={_token}", p => p == guard.Pid));
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
        waiter.Start();
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

            var outcome = await StopTreeAsync(policy, forceNow).ConfigureAwait(false);
            _provenGone = Exited.IsCompleted && !_tree.AnyKnownAlive();
            return outcome;
        }
        finally
        {
            _stopping.Release();
        }
    }

    private async Task<StopOutcome> StopTreeAsync(StopPolicy policy, CancellationToken forceNow)
    {
        var clock = Stopwatch.StartNew();
        var members = _tree.Refresh();
        if (members.Count == 0 && Exited.IsCompleted)
        {
            return new(clock.Elapsed, Forced: false);
        }

        if (policy.Signal != Cli.StopSignal.Kill && !forceNow.IsCancellationRequested)
        {
            _tree.Signal(members, Libc.SignalNumber(policy.Signal));

            // A stopped process (SIGTTIN from reading the terminal, SIGTSTP) keeps the signal pending until continued.
            _tree.Signal(members, Libc.SIGCONT);
            if (await WaitForTreeGoneAsync(policy.Timeout, forceNow).ConfigureAwait(false))
            {
                return new(clock.Elapsed, Forced: false);
            }
        }

        await KillAllAsync().ConfigureAwait(false);
        return new(clock.Elapsed, Forced: true);
    }

    /// <summary>Freezes every member (so none forks a replacement), kills them, and repeats until a snapshot finds none.</summary>
    private async Task KillAllAsync()
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            var members = _tree.Refresh();
            if (members.Count == 0)
            {
                break;
            }

            _tree.Signal(members, Libc.SIGSTOP);
            _tree.Signal(_tree.Refresh(), Libc.SIGKILL);
            await Task.Delay(5).ConfigureAwait(false);
        }

        await Task.WhenAny(Exited, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        _tree.Refresh();
    }

    /// <summary>
    /// Waits until the root exited and no member is left. Known members are checked by pid (cheap); a full snapshot
    /// runs every <see cref="RescanEvery"/> and once more before declaring the tree gone, to catch late forks.
    /// </summary>
    private async Task<bool> WaitForTreeGoneAsync(TimeSpan timeout, CancellationToken forceNow)
    {
        var deadline = Stopwatch.StartNew();
        var sinceScan = Stopwatch.StartNew();
        var pause = TimeSpan.FromMilliseconds(2);
        while (true)
        {
            if (Exited.IsCompleted && !_tree.AnyKnownAlive())
            {
                if (_tree.Refresh().Count == 0)
                {
                    return true;
                }

                sinceScan.Restart();
            }
            else if (sinceScan.Elapsed >= RescanEvery)
            {
                _tree.Refresh();
                sinceScan.Restart();
            }

            if (deadline.Elapsed >= timeout || forceNow.IsCancellationRequested)
            {
                return false;
            }

            try
            {
                await Task.WhenAny(Exited, Task.Delay(pause, forceNow)).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return false;
            }

            pause = TimeSpan.FromMilliseconds(Math.Min(pause.TotalMilliseconds * 2, 25));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(new StopPolicy(Cli.StopSignal.Kill, TimeSpan.Zero)).ConfigureAwait(false);
        _stopping.Dispose();
    }
}
