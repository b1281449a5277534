using FreshServe.Supervision;
using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Supervision;

/// <summary>A worker that exits by itself: reported with code and uptime; restarted only on request, never in a tight loop.</summary>
public sealed class CrashTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task By_default_a_crash_waits_for_a_change_and_does_not_loop()
    {
        using var folder = new TempFolder();
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch", "--", "sh", "-c", "exit 4"]);

        await fs.WaitForLineAsync(@"✗ sh -c 'exit 4' \(pid \d+\) exited with code 4 after \d+ ms; waiting for a change", Patience);
        await Task.Delay(2000);
        Assert.Equal(1, fs.Count("exited with code 4"));
        Assert.Equal(1, fs.Count("generation"));
    }

    [Fact]
    public async Task Restart_on_crash_backs_off_and_the_log_does_not_spin()
    {
        using var folder = new TempFolder();
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch", "--restart-on-crash", "--", "sh", "-c", "exit 5"]);

        await fs.WaitForLineAsync(@"exited with code 5 after \d+ ms; restarting in 500 ms \(crash 1 in a row\)", Patience);
        await fs.WaitForLineAsync(@"restarting in 1\.0 s \(crash 2 in a row\)", Patience);
        await fs.WaitForLineAsync(@"restarting in 2\.0 s \(crash 3 in a row\)", Patience);
        await Task.Delay(1000);
        // 0.5 + 1 + 2 s of waiting: a tight loop would have logged thousands of lines by now.
        Assert.InRange(fs.Count("exited with code 5"), 3, 4);
        Assert.InRange(fs.Lines.Count, 3, 20);
    }

    [Fact]
    public async Task Restart_on_crash_leaves_a_clean_exit_alone_until_a_change()
    {
        using var folder = new TempFolder();
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch", "--restart-on-crash", "--", "sh", "-c", "exit 0"]);

        await fs.WaitForLineAsync(@"exited with code 0 after \d+ ms; waiting for a change", Patience);
        await Task.Delay(2000);
        Assert.Equal(1, fs.Count("generation"));
        Assert.Equal(0, fs.Count("restarting in"));

        folder.Write("app.txt", "edited");
        await fs.WaitForLineAsync(@"generation 2", Patience);
    }

    [Fact]
    public async Task A_command_the_shell_cannot_run_gets_a_clear_error_and_no_retry()
    {
        using var folder = new TempFolder();
        await using var fs = FreshServeProcess.Start(folder.Path,
            ["watch", "--restart-on-crash", "--", "sh", "-c", "no-such-command-for-freshserve-tests"]);

        await fs.WaitForLineAsync(@"could not run: exit code 127, command not found, after .*no automatic retry", Patience);
        await Task.Delay(2000);
        Assert.Equal(1, fs.Count("could not run"));
        Assert.Equal(1, fs.Count("generation"));
    }

    [Fact]
    public async Task A_command_that_is_not_executable_gets_a_clear_error_and_exit_127()
    {
        using var folder = new TempFolder();
        var script = folder.Write("server.sh", "#!/bin/sh\necho hi\n");
        var (code, output) = await FreshServeProcess.RunAsync(folder.Path, "watch", "--", "./server.sh");
        Assert.Equal(127, code);
        Assert.Single(output.Split('\n'), l => l.StartsWith("freshserve: ", StringComparison.Ordinal));
        Assert.Contains(script, output);
    }

    [Theory]
    [InlineData("server", null, "is a folder, not a program")]
    [InlineData("server.sh", "echo no first line\n", "Exec format error (not a program for this system; a script needs a first line like #!/bin/sh)")]
    [InlineData("server.sh", "#!/no/such/interpreter\necho hi\n", "the interpreter its first line names (#!/no/such/interpreter) was not found")]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_command_that_cannot_start_says_why(string name, string? script, string expected)
    {
        using var folder = new TempFolder();
        if (script is null)
        {
            Directory.CreateDirectory(folder.File(name));
        }
        else
        {
            File.SetUnixFileMode(folder.Write(name, script), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var (code, output) = await FreshServeProcess.RunAsync(folder.Path, "watch", "--", "./" + name);
        Assert.Equal(127, code);
        var error = Assert.Single(output.Split('\n'), l => l.StartsWith("freshserve: ", StringComparison.Ordinal));
        Assert.Contains(expected, error);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_restart_that_cannot_start_waits_for_the_next_change_instead_of_ending_the_session()
    {
        using var folder = new TempFolder();
        var watched = Directory.CreateDirectory(folder.File("src")).FullName;
        var script = folder.Write("server.sh", "#!/bin/sh\necho \"server gen $FRESHSERVE_GENERATION\"\nexec sleep 600\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch", "-w", "src", "--", "./server.sh"]);
        await fs.WaitForLineAsync("server gen 1", Patience);

        // Like a rebuild that leaves the program unrunnable for a moment: the next start fails.
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(Path.Combine(watched, "a.txt"), "1");
        await fs.WaitForLineAsync(@"✗ cannot start '.*server\.sh': Permission denied; waiting for a change", Patience);

        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(Path.Combine(watched, "b.txt"), "2");
        await fs.WaitForLineAsync("server gen 3", Patience);
        await fs.WaitForLineAsync(@"restarted \(generation 3\) ← b\.txt changed; started pid \d+", Patience);

        fs.Signal(ProcessProbe.SIGTERM);
        Assert.Equal(0, await fs.WaitForExitAsync(Patience));
    }

    [Fact]
    public void Backoff_doubles_up_to_the_cap_and_starts_over_after_a_stable_run()
    {
        var backoff = new CrashBackoff(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(10));
        var quick = TimeSpan.FromMilliseconds(20);
        var delays = Enumerable.Range(0, 6).Select(_ => backoff.NextDelay(quick).TotalMilliseconds).ToArray();
        Assert.Equal([500, 1000, 2000, 4000, 4000, 4000], delays);

        Assert.Equal(TimeSpan.FromMilliseconds(500), backoff.NextDelay(TimeSpan.FromSeconds(11)));
        Assert.Equal(TimeSpan.FromSeconds(1), backoff.NextDelay(quick));
        backoff.Reset();
        Assert.Equal(TimeSpan.FromMilliseconds(500), backoff.NextDelay(quick));
    }
}
