using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Text;

namespace FreshServe.Processes.Unix;

/// <summary>
/// Starts each worker with posix_spawn as the leader of a new process group, so one signal to the group reaches
/// every process a shell wrapper, npm or a reloader starts under it. Signals the user set to "ignore" in freshserve
/// (and SIGPIPE, which .NET ignores) are reset to their defaults in the worker.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class UnixWorkerLauncher : IWorkerLauncher
{
    public IWorker Start(ProcessSpec spec)
    {
        var pid = Spawn(spec);
        return new UnixWorker(pid);
    }

    private static unsafe int Spawn(ProcessSpec spec)
    {
        var argv = new List<string> { spec.FileName };
        argv.AddRange(spec.Arguments);
        var envp = spec.Environment.Select(kv => $"{kv.Key}={kv.Value}").ToList();

        {
            var attr = NativeMemory.AllocZeroed(1024);
            var actions = NativeMemory.AllocZeroed(1024);
            var sigset = NativeMemory.AllocZeroed(256);
            var argvBlock = Utf8Block(argv);
            var envBlock = Utf8Block(envp);
            try
            {
                Check(Libc.posix_spawnattr_init(attr), "posix_spawnattr_init");
                Check(Libc.posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
                Check(Libc.posix_spawnattr_setflags(attr, (short)(Libc.SpawnSetPgroup | Libc.SpawnSetSigDef | Libc.SpawnSetSigMask)), "setflags");
                Check(Libc.posix_spawnattr_setpgroup(attr, 0), "setpgroup");
                Libc.sigfillset(sigset);
                Libc.sigdelset(sigset, Libc.SIGKILL);
                Libc.sigdelset(sigset, Libc.SIGSTOP);
                Check(Libc.posix_spawnattr_setsigdefault(attr, sigset), "setsigdefault");
                Libc.sigemptyset(sigset);
                Check(Libc.posix_spawnattr_setsigmask(attr, sigset), "setsigmask");
                if (spec.DetachStdin)
                {
                    Check(Libc.posix_spawn_file_actions_addopen(actions, 0, "/dev/null", Libc.O_RDONLY, 0), "addopen");
                }

                // addchdir_np: glibc 2.29+ and macOS 10.15+; changing our own folder instead would race other threads.
                Check(Libc.posix_spawn_file_actions_addchdir_np(actions, spec.WorkingDirectory), "addchdir");
                var error = Libc.posix_spawn(out var pid, spec.FileName, actions, attr, argvBlock.Pointers, envBlock.Pointers);
                if (error != 0)
                {
                    throw new CommandStartException(
                        $"cannot start '{spec.FileName}': {Marshal.GetPInvokeErrorMessage(error)}");
                }

                return pid;
            }
            finally
            {
                Libc.posix_spawn_file_actions_destroy(actions);
                Libc.posix_spawnattr_destroy(attr);
                NativeMemory.Free(attr);
                NativeMemory.Free(actions);
                NativeMemory.Free(sigset);
                argvBlock.Dispose();
                envBlock.Dispose();
            }
        }
    }

    private static void Check(int result, string call)
    {
        if (result != 0)
        {
            throw new CommandStartException($"{call} failed: {Marshal.GetPInvokeErrorMessage(result)}");
        }
    }

    private static unsafe NativeStringArray Utf8Block(IReadOnlyList<string> values) => new(values);

    /// <summary>A NULL-terminated array of NUL-terminated UTF-8 strings in native memory.</summary>
    private sealed unsafe class NativeStringArray : IDisposable
    {
        private readonly List<IntPtr> _strings = [];

        public NativeStringArray(IReadOnlyList<string> values)
        {
            Pointers = (byte**)NativeMemory.AllocZeroed((nuint)(values.Count + 1), (nuint)sizeof(byte*));
            for (var i = 0; i < values.Count; i++)
            {
                var bytes = Encoding.UTF8.GetBytes(values[i] + '\0');
                var p = (byte*)NativeMemory.Alloc((nuint)bytes.Length);
                bytes.CopyTo(new Span<byte>(p, bytes.Length));
                Pointers[i] = p;
                _strings.Add((IntPtr)p);
            }
        }

        public byte** Pointers { get; }

        public void Dispose()
        {
            foreach (var p in _strings)
            {
                NativeMemory.Free((void*)p);
            }

            NativeMemory.Free(Pointers);
        }
    }
}

/// <summary>A worker that leads its own process group. Its exit is collected by a dedicated waitpid thread.</summary>
[UnsupportedOSPlatform("windows")]
internal sealed class UnixWorker : IWorker
{
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public UnixWorker(int pid)
    {
        Pid = pid;
        var waiter = new Thread(WaitForExit) { IsBackground = true, Name = $"waitpid {pid}" };
        waiter.Start();
    }

    public int Pid { get; }

    /// <summary>The process group the worker leads; its id equals the worker's pid.</summary>
    public int ProcessGroup => Pid;

    public Task<int> Exited => _exited.Task;

    private void WaitForExit()
    {
        while (true)
        {
            var result = Libc.waitpid(Pid, out var status, 0);
            if (result == Pid)
            {
                _exited.TrySetResult(Libc.DecodeWaitStatus(status));
                return;
            }

            if (result == -1 && Marshal.GetLastPInvokeError() != Libc.EINTR)
            {
                // Reaped elsewhere (should not happen): report an unknown exit rather than hang.
                _exited.TrySetResult(-1);
                return;
            }
        }
    }

    public async Task<StopOutcome> StopAsync(StopPolicy policy, CancellationToken forceNow = default)
    {
        var clock = Stopwatch.StartNew();
        if (!GroupAlive() && Exited.IsCompleted)
        {
            return new(clock.Elapsed, Forced: false);
        }

        SignalGroup(Libc.SignalNumber(policy.Signal));
        if (await WaitForTreeGoneAsync(policy.Timeout, forceNow).ConfigureAwait(false))
        {
            return new(clock.Elapsed, Forced: false);
        }

        SignalGroup(Libc.SIGKILL);
        await WaitForTreeGoneAsync(TimeSpan.FromSeconds(10), CancellationToken.None).ConfigureAwait(false);
        return new(clock.Elapsed, Forced: true);
    }

    private void SignalGroup(int signal)
    {
        // A negative pid addresses the whole group; ESRCH means it is already empty.
        Libc.kill(-ProcessGroup, signal);
        Libc.kill(Pid, signal);
        if (signal != Libc.SIGKILL)
        {
            // A stopped process (SIGTTIN from reading the terminal, SIGTSTP) keeps the signal pending until continued.
            Libc.kill(-ProcessGroup, Libc.SIGCONT);
        }
    }

    private bool GroupAlive() => Libc.kill(-ProcessGroup, 0) == 0;

    private async Task<bool> WaitForTreeGoneAsync(TimeSpan timeout, CancellationToken forceNow)
    {
        var deadline = Stopwatch.StartNew();
        var pause = TimeSpan.FromMilliseconds(2);
        while (!(Exited.IsCompleted && !GroupAlive()))
        {
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

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        if (GroupAlive() || !Exited.IsCompleted)
        {
            await StopAsync(new StopPolicy(Cli.StopSignal.Kill, TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        }
    }
}
