using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using FreshServe.Interop;
using FreshServe.Logging;

namespace FreshServe.Processes.Windows;

/// <summary>
/// Starts each worker in its own Job Object, so the whole tree is one thing to stop, and dies with freshserve.
/// <para>
/// The worker is created suspended, inside a fresh job that has JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE (see
/// <see cref="JobEntry"/>), as the root of a new console process group (CREATE_NEW_PROCESS_GROUP), and only then
/// resumed: nothing it starts can escape the job. Only freshserve holds the job handle (not inheritable): when
/// freshserve exits or is killed, Windows closes it and kills the whole tree.
/// </para>
/// <para>
/// Stopping: CTRL_BREAK_EVENT to the worker's process group (the graceful request a console program can receive; it
/// needs freshserve and the worker to share a console). When the event cannot be delivered there is nothing to wait
/// for, so the job is terminated at once; otherwise it is terminated after the stop timeout. Batch files run through
/// cmd.exe /d /s /c.
/// </para>
/// </summary>
[SupportedOSPlatform("windows")]
public sealed class WindowsWorkerLauncher(ILogger? log = null, string? session = null) : IWorkerLauncher
{
    private readonly string _session = session ?? ProcessMarker.NewSessionId();
    private JobEntryWay? _lastWay;
    private int _started;

    public IWorker Start(ProcessSpec spec)
    {
        spec = spec with
        {
            Environment = new Dictionary<string, string>(spec.Environment, StringComparer.OrdinalIgnoreCase)
            {
                [ProcessMarker.Variable] = ProcessMarker.Value(_session, Interlocked.Increment(ref _started)),
            },
        };
        var shell = Environment.GetEnvironmentVariable("ComSpec") is { Length: > 0 } comspec
            ? comspec
            : Path.Combine(Environment.SystemDirectory, "cmd.exe");
        var (application, commandLine) = WindowsCommandLine.For(spec.FileName, spec.Arguments, shell);
        var job = CreateKillOnCloseJob();
        try
        {
            var (process, way) = JobEntry.Start(new Calls(application, commandLine, spec, job), spec.FileName);
            if (way != _lastWay)
            {
                _lastWay = way;
                log?.WorkerJobEntry(way == JobEntryWay.AtCreation
                    ? "workers are created inside their job object"
                    : "this Windows refuses PROC_THREAD_ATTRIBUTE_JOB_LIST: workers are put into their job object right after creation, still suspended");
            }

            return new WindowsWorker(process.Pid, process.Process, job);
        }
        catch
        {
            Kernel32.CloseHandle(job);
            throw;
        }
    }

    private static unsafe IntPtr CreateKillOnCloseJob()
    {
        var job = Kernel32.CreateJobObject(IntPtr.Zero, null);
        if (job == IntPtr.Zero)
        {
            throw new CommandStartException($"cannot create a job object: {Marshal.GetLastPInvokeErrorMessage()}");
        }

        var limits = new Kernel32.ExtendedLimitInformation();
        limits.BasicLimitInformation.LimitFlags = Kernel32.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
        if (!Kernel32.SetInformationJobObject(job, Kernel32.JobObjectExtendedLimitInformation, &limits, (uint)sizeof(Kernel32.ExtendedLimitInformation)))
        {
            var error = Marshal.GetLastPInvokeErrorMessage();
            Kernel32.CloseHandle(job);
            throw new CommandStartException($"cannot set up a job object: {error}");
        }

        return job;
    }

    /// <summary>The real Win32 calls behind <see cref="JobEntry"/>.</summary>
    private sealed unsafe class Calls(string application, string commandLine, ProcessSpec spec, IntPtr job) : IJobEntryCalls
    {
        private static readonly Lock OutputCopyGate = new();

        public SuspendedProcess? Create(bool inJob, out string error)
        {
            // A service's output pipe is not inheritable (no other worker may hold it): the worker gets an inheritable
            // copy as its stdout and stderr, closed here once it is created. The lock keeps a second spawn from
            // inheriting that copy meanwhile.
            lock (OutputCopyGate)
            {
                var output = IntPtr.Zero;
                if (spec.Output is { } pipe && !Kernel32.DuplicateHandle(Kernel32.GetCurrentProcess(), pipe.DangerousGetHandle(),
                        Kernel32.GetCurrentProcess(), out output, 0, inheritHandle: true, Kernel32.DUPLICATE_SAME_ACCESS))
                {
                    error = $"cannot hand the output pipe to the worker: {Marshal.GetLastPInvokeErrorMessage()}";
                    return null;
                }

                try
                {
                    return Create(inJob, output, out error);
                }
                finally
                {
                    if (output != IntPtr.Zero)
                    {
                        Kernel32.CloseHandle(output);
                    }
                }
            }
        }

        private SuspendedProcess? Create(bool inJob, IntPtr output, out string error)
        {
            var startup = new Kernel32.StartupInfoEx
            {
                StartupInfo = new Kernel32.StartupInfo
                {
                    cb = (uint)sizeof(Kernel32.StartupInfo),
                    dwFlags = Kernel32.STARTF_USESTDHANDLES,
                    hStdInput = spec.DetachStdin ? IntPtr.Zero : Kernel32.GetStdHandle(Kernel32.STD_INPUT_HANDLE),
                    hStdOutput = output != IntPtr.Zero ? output : Kernel32.GetStdHandle(Kernel32.STD_OUTPUT_HANDLE),
                    hStdError = output != IntPtr.Zero ? output : Kernel32.GetStdHandle(Kernel32.STD_ERROR_HANDLE),
                },
            };
            var flags = Kernel32.CREATE_SUSPENDED | Kernel32.CREATE_NEW_PROCESS_GROUP | Kernel32.CREATE_UNICODE_ENVIRONMENT;
            var jobs = stackalloc IntPtr[1] { job };
            nuint size = 0;
            void* attributes = null;
            try
            {
                if (inJob)
                {
                    // The first call only reports the size it needs (and fails with ERROR_INSUFFICIENT_BUFFER).
                    Kernel32.InitializeProcThreadAttributeList(null, 1, 0, &size);
                    attributes = NativeMemory.AllocZeroed(size == 0 ? 1 : size);
                    if (!Kernel32.InitializeProcThreadAttributeList(attributes, 1, 0, &size))
                    {
                        NativeMemory.Free(attributes);
                        attributes = null;
                        error = Marshal.GetLastPInvokeErrorMessage();
                        return null;
                    }

                    if (!Kernel32.UpdateProcThreadAttribute(attributes, 0, Kernel32.PROC_THREAD_ATTRIBUTE_JOB_LIST, jobs,
                            (nuint)sizeof(IntPtr), null, null))
                    {
                        error = Marshal.GetLastPInvokeErrorMessage();
                        return null;
                    }

                    startup.StartupInfo.cb = (uint)sizeof(Kernel32.StartupInfoEx);
                    startup.lpAttributeList = (IntPtr)attributes;
                    flags |= Kernel32.EXTENDED_STARTUPINFO_PRESENT;
                }

                var info = new Kernel32.ProcessInformation();
                // CreateProcessW may write into the command line buffer: give it a private, NUL-terminated copy.
                var mutableCommandLine = (commandLine + '\0').ToCharArray();
                var environment = WindowsCommandLine.EnvironmentBlock(spec.Environment);
                fixed (char* cmd = mutableCommandLine)
                fixed (char* env = environment)
                {
                    if (!Kernel32.CreateProcess(application, cmd, IntPtr.Zero, IntPtr.Zero, true, flags, env, spec.WorkingDirectory,
                            &startup.StartupInfo, &info))
                    {
                        error = Marshal.GetLastPInvokeErrorMessage();
                        return null;
                    }
                }

                error = string.Empty;
                return new SuspendedProcess(info.hProcess, info.hThread, (int)info.dwProcessId);
            }
            finally
            {
                if (attributes is not null)
                {
                    Kernel32.DeleteProcThreadAttributeList(attributes);
                    NativeMemory.Free(attributes);
                }
            }
        }

        public bool IsInJob(SuspendedProcess process) => Kernel32.IsProcessInJob(process.Process, job, out var inJob) && inJob;

        public bool Assign(SuspendedProcess process, out string error)
        {
            var assigned = Kernel32.AssignProcessToJobObject(job, process.Process);
            error = assigned ? string.Empty : Marshal.GetLastPInvokeErrorMessage();
            return assigned;
        }

        public void Resume(SuspendedProcess process)
        {
            Kernel32.ResumeThread(process.Thread);
            Kernel32.CloseHandle(process.Thread);
        }

        public void Abandon(SuspendedProcess process)
        {
            Kernel32.TerminateProcess(process.Process, 1);
            Kernel32.CloseHandle(process.Thread);
            Kernel32.CloseHandle(process.Process);
        }
    }
}

/// <summary>A worker tree held in one Job Object; see <see cref="WindowsWorkerLauncher"/>.</summary>
[SupportedOSPlatform("windows")]
internal sealed class WindowsWorker : IWorker
{
    private readonly IntPtr _process;
    private readonly IntPtr _job;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly RegisteredWaitHandle _exitWait;
    private readonly ProcessWaitHandle _waitHandle;
    private readonly SemaphoreSlim _stopping = new(1, 1);
    private bool _disposed;

    public WindowsWorker(int pid, IntPtr process, IntPtr job)
    {
        Pid = pid;
        _process = process;
        _job = job;
        _waitHandle = new ProcessWaitHandle(process);
        _exitWait = ThreadPool.RegisterWaitForSingleObject(_waitHandle, (_, _) => OnExit(), null, Timeout.Infinite, executeOnlyOnce: true);
    }

    public int Pid { get; }

    public Task<int> Exited => _exited.Task;

    private void OnExit() =>
        _exited.TrySetResult(Kernel32.GetExitCodeProcess(_process, out var code) ? unchecked((int)code) : -1);

    private unsafe int ActiveProcesses()
    {
        var accounting = new Kernel32.BasicAccountingInformation();
        return Kernel32.QueryInformationJobObject(_job, Kernel32.JobObjectBasicAccountingInformation, &accounting,
            (uint)sizeof(Kernel32.BasicAccountingInformation), null)
            ? (int)accounting.ActiveProcesses
            : 0;
    }

    private bool TreeGone() => Exited.IsCompleted && ActiveProcesses() == 0;

    public async Task<StopOutcome> StopAsync(StopPolicy policy, CancellationToken forceNow = default)
    {
        await _stopping.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            return await TreeStopper.StopAsync(new Stoppable(this), policy, forceNow).ConfigureAwait(false);
        }
        finally
        {
            _stopping.Release();
        }
    }

    /// <summary>The Windows hooks of <see cref="TreeStopper"/>: Ctrl+Break to the worker's console group, then the job.</summary>
    private sealed class Stoppable(WindowsWorker worker) : IStoppableTree
    {
        public Task? Changed => worker.Exited;

        public bool IsGone() => worker.TreeGone();

        public bool SendGraceful(StopSignal signal) => Kernel32.GenerateConsoleCtrlEvent(Kernel32.CTRL_BREAK_EVENT, (uint)worker.Pid);

        public void Force() => Kernel32.TerminateJobObject(worker._job, 1);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        await StopAsync(new StopPolicy(StopSignal.Kill, TimeSpan.Zero)).ConfigureAwait(false);
        _disposed = true;
        _exitWait.Unregister(null);
        _waitHandle.Dispose();
        Kernel32.CloseHandle(_process);
        Kernel32.CloseHandle(_job);
        _stopping.Dispose();
    }

    /// <summary>Lets the thread pool wait on the process handle without taking ownership of it.</summary>
    private sealed class ProcessWaitHandle : WaitHandle
    {
        public ProcessWaitHandle(IntPtr process) => SafeWaitHandle = new SafeWaitHandle(process, ownsHandle: false);
    }
}
