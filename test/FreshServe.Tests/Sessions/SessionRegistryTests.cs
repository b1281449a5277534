using FreshServe.Common;
using FreshServe.Processes.Unix;
using FreshServe.Processes;
using FreshServe.Sessions;
using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Sessions;

public sealed class SessionRegistryTests
{
    private static SessionRecord Record(int pid = 1234, long start = 99) => new()
    {
        Pid = pid,
        StartTime = start,
        Folder = "/home/dev/app",
        Port = 8001,
        Command = "uvicorn app:app --port 8001",
        StartedAt = new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.Zero),
        WorkerPid = 1300,
        WorkerGroup = 1300,
        WorkerStartTime = 120,
        Generation = 3,
    };

    [Fact]
    public void A_record_round_trips_and_is_removed()
    {
        using var runtime = new TempFolder();
        var registry = new SessionRegistry(Path.Combine(runtime.Path, "freshserve"));

        registry.Write(Record());
        registry.Write(Record() with { Generation = 4 });

        Assert.Equal(Record() with { Generation = 4 }, Assert.Single(registry.ReadAll()));
        registry.Remove(Record());
        Assert.Empty(registry.ReadAll());
    }

    [Fact]
    public void The_folder_and_records_are_readable_by_the_user_only()
    {
        using var runtime = new TempFolder();
        var folder = Path.Combine(runtime.Path, "freshserve");
        new SessionRegistry(folder).Write(Record());

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(folder, Record().Id + ".json")));
        }
    }

    [Fact]
    public void A_folder_others_can_write_is_refused_with_one_line()
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("Unix modes are what this test checks");
        }

        using var runtime = new TempFolder();
        var folder = Path.Combine(runtime.Path, "freshserve");
        Directory.CreateDirectory(folder);
        File.SetUnixFileMode(folder, (UnixFileMode)0b111_111_111);

        var error = Assert.Throws<FreshServeException>(() => new SessionRegistry(folder).ReadAll());
        Assert.Equal($"the session folder {folder} is not private (mode 777, expected 700); run: chmod 700 {folder}", error.Message);
    }

    [Fact]
    public void Half_written_or_misnamed_records_are_not_sessions()
    {
        using var runtime = new TempFolder();
        var registry = new SessionRegistry(Path.Combine(runtime.Path, "freshserve"));
        registry.Write(Record());
        File.WriteAllText(Path.Combine(registry.Folder, "5-5.json"), "{ \"Pid\": 5,");
        File.Copy(Path.Combine(registry.Folder, Record().Id + ".json"), Path.Combine(registry.Folder, "7-7.json"));

        Assert.Equal(Record().Id, Assert.Single(registry.ReadAll()).Id);
    }

    [Fact]
    public void The_start_time_tells_a_live_process_from_a_reused_pid()
    {
        var own = ProcessStartTime.Of(Environment.ProcessId);
        Assert.NotNull(own);
        Assert.Equal(own, ProcessStartTime.Of(Environment.ProcessId));
        Assert.True(ProcessStartTime.Matches(Environment.ProcessId, own!.Value));
        Assert.False(ProcessStartTime.Matches(Environment.ProcessId, own.Value + 1));
        Assert.True(Record(Environment.ProcessId, own.Value).SupervisorAlive());
        Assert.False(Record(Environment.ProcessId, own.Value - 1).SupervisorAlive());
        Assert.Null(ProcessStartTime.Of(SessionTestEnvironment.GoneSupervisor().Pid));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Proc_stat_field_22_is_read_past_a_command_name_with_spaces_and_parentheses()
    {
        const string stat = "4711 (my (odd) server) S 1 4711 4711 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 3 0 987654 1000 50";
        var entry = ProcessTable.ParseStat(4711, stat);
        Assert.Equal(new ProcessEntry(4711, 1, 4711, 987654, Zombie: false, CarriesToken: false), entry);
        Assert.True(ProcessTable.ParseStat(4711, stat.Replace(") S ", ") Z ", StringComparison.Ordinal))!.Value.Zombie);
        Assert.Null(ProcessTable.ParseStat(4711, "garbage"));
    }

    [Fact]
    public void The_refusal_names_the_first_session()
    {
        var first = Record();
        var second = Record(pid: 2000) with { Folder = "/home/dev/other" };

        var message = SessionGuard.RefusalMessage(first, second);

        Assert.Equal(
            $"another freshserve already watches port 8001 (pid 1234, since {first.Since}, command: uvicorn app:app --port 8001, folder /home/dev/app); "
            + "stop it, or run this one with --replace to take over", message);
    }
}
