namespace FreshServe.Processes.Windows;

/// <summary>A process created suspended: its handles and id.</summary>
internal readonly record struct SuspendedProcess(IntPtr Process, IntPtr Thread, int Pid);

/// <summary>How a worker got into its job.</summary>
internal enum JobEntryWay
{
    /// <summary>Created inside the job (PROC_THREAD_ATTRIBUTE_JOB_LIST): never outside it, even if freshserve dies at once.</summary>
    AtCreation,

    /// <summary>Created suspended and assigned afterwards, where the attribute is refused (before Windows 10).</summary>
    AssignedAfterCreation,
}

/// <summary>The Win32 calls <see cref="JobEntry"/> makes, apart so that each way through it is unit-tested on any OS.</summary>
internal interface IJobEntryCalls
{
    /// <summary>
    /// Creates the process suspended, listing the job in its attributes when <paramref name="inJob"/>. Null and the
    /// Win32 error when that fails (also when the attribute list cannot even be built).
    /// </summary>
    SuspendedProcess? Create(bool inJob, out string error);

    bool IsInJob(SuspendedProcess process);

    bool Assign(SuspendedProcess process, out string error);

    /// <summary>Resumes the main thread and closes its handle.</summary>
    void Resume(SuspendedProcess process);

    /// <summary>Terminates the process and closes both handles.</summary>
    void Abandon(SuspendedProcess process);
}

/// <summary>
/// Puts a new worker into its kill-on-close job before it runs a single instruction. The job is named in the
/// process's creation attributes, so no moment exists where freshserve could die and leave the worker outside the
/// job (suspended forever). Where the attribute is refused or ignored (Windows before 10; a Wine without it) the
/// process, still suspended, is assigned to the job before it is resumed: the gap is then the one between
/// CreateProcess and AssignProcessToJobObject.
/// </summary>
internal static class JobEntry
{
    /// <exception cref="CommandStartException">The process could not be created, or not put into the job.</exception>
    public static (SuspendedProcess Process, JobEntryWay Way) Start(IJobEntryCalls calls, string fileName)
    {
        if (calls.Create(inJob: true, out _) is not { } process)
        {
            process = calls.Create(inJob: false, out var error)
                ?? throw new CommandStartException($"cannot start '{fileName}': {error}");
        }

        var way = JobEntryWay.AtCreation;
        if (!calls.IsInJob(process))
        {
            way = JobEntryWay.AssignedAfterCreation;
            if (!calls.Assign(process, out var error))
            {
                calls.Abandon(process);
                throw new CommandStartException($"cannot put '{fileName}' into a job object: {error}");
            }
        }

        calls.Resume(process);
        return (process, way);
    }
}
