using FreshServe.Processes;
using FreshServe.Processes.Windows;

namespace FreshServe.Tests.Windows;

/// <summary>
/// Every way a new worker gets into its job, with the Win32 calls replaced by a recording fake: the fallbacks that
/// Wine (which honours PROC_THREAD_ATTRIBUTE_JOB_LIST) cannot show. The worker is never resumed outside its job.
/// </summary>
public sealed class JobEntryTests
{
    [Fact]
    public void A_worker_created_inside_its_job_is_resumed_without_an_assignment()
    {
        var calls = new FakeCalls { HonoursJobList = true };
        var (process, way) = JobEntry.Start(calls, "server.exe");

        Assert.Equal(JobEntryWay.AtCreation, way);
        Assert.Equal(["create in job", "is in job", "resume"], calls.Log);
        Assert.Equal(42, process.Pid);
    }

    [Fact]
    public void Where_the_attribute_is_refused_the_suspended_worker_is_assigned_then_resumed()
    {
        var calls = new FakeCalls { RefusesJobList = true };
        var (_, way) = JobEntry.Start(calls, "server.exe");

        Assert.Equal(JobEntryWay.AssignedAfterCreation, way);
        Assert.Equal(["create in job: refused", "create", "is in job", "assign", "resume"], calls.Log);
    }

    [Fact]
    public void Where_the_attribute_is_silently_ignored_the_worker_is_still_assigned_before_it_runs()
    {
        var calls = new FakeCalls();
        var (_, way) = JobEntry.Start(calls, "server.exe");

        Assert.Equal(JobEntryWay.AssignedAfterCreation, way);
        Assert.Equal(["create in job", "is in job", "assign", "resume"], calls.Log);
    }

    [Fact]
    public void A_worker_that_cannot_be_put_into_its_job_is_terminated_never_resumed()
    {
        var calls = new FakeCalls { RefusesJobList = true, AssignError = "Access is denied." };
        var error = Assert.Throws<CommandStartException>(() => JobEntry.Start(calls, "server.exe"));

        Assert.Equal("cannot put 'server.exe' into a job object: Access is denied.", error.Message);
        Assert.Equal(["create in job: refused", "create", "is in job", "assign: refused", "abandon"], calls.Log);
    }

    [Fact]
    public void A_command_that_cannot_start_at_all_reports_the_plain_creation_error()
    {
        var calls = new FakeCalls { RefusesJobList = true, CreateError = "The system cannot find the file specified." };
        var error = Assert.Throws<CommandStartException>(() => JobEntry.Start(calls, "missing.exe"));

        Assert.Equal("cannot start 'missing.exe': The system cannot find the file specified.", error.Message);
        Assert.Equal(["create in job: refused", "create: refused"], calls.Log);
    }

    private sealed class FakeCalls : IJobEntryCalls
    {
        private bool _inJob;

        public bool HonoursJobList { get; init; }

        public bool RefusesJobList { get; init; }

        public string? CreateError { get; init; }

        public string? AssignError { get; init; }

        public List<string> Log { get; } = [];

        public SuspendedProcess? Create(bool inJob, out string error)
        {
            var refused = inJob ? RefusesJobList : CreateError is not null;
            Log.Add((inJob ? "create in job" : "create") + (refused ? ": refused" : string.Empty));
            error = refused ? CreateError ?? "The parameter is incorrect." : string.Empty;
            if (refused)
            {
                return null;
            }

            _inJob = inJob && HonoursJobList;
            return new SuspendedProcess(1, 2, 42);
        }

        public bool IsInJob(SuspendedProcess process)
        {
            Log.Add("is in job");
            return _inJob;
        }

        public bool Assign(SuspendedProcess process, out string error)
        {
            Log.Add(AssignError is null ? "assign" : "assign: refused");
            error = AssignError ?? string.Empty;
            _inJob = AssignError is null;
            return _inJob;
        }

        public void Resume(SuspendedProcess process)
        {
            Assert.True(_inJob, "resumed outside its job");
            Log.Add("resume");
        }

        public void Abandon(SuspendedProcess process) => Log.Add("abandon");
    }
}
