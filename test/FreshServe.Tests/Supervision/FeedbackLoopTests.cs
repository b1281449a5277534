using System.Text.RegularExpressions;
using FreshServe.Supervision;
using FreshServe.Tests.Infrastructure;
using FreshServe.Watching;

namespace FreshServe.Tests.Supervision;

/// <summary>A server that writes into the watched folder as it starts, and freshserve's own output redirected there.</summary>
public sealed partial class FeedbackLoopTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public void The_same_files_changing_early_after_each_start_are_named_once_the_streak_is_complete()
    {
        var loop = new FeedbackLoop();
        for (var i = 1; i < FeedbackLoop.Streak; i++)
        {
            Assert.False(loop.Observe([Changed("/p/log.txt")], early: true));
        }

        Assert.True(loop.Observe([Changed("/p/log.txt")], early: true));
        Assert.False(loop.Observe([Changed("/p/log.txt")], early: true)); // told once
    }

    [Fact]
    public void A_late_change_other_files_or_lost_events_break_the_streak()
    {
        var loop = new FeedbackLoop();
        for (var round = 0; round < 3; round++)
        {
            for (var i = 1; i < FeedbackLoop.Streak; i++)
            {
                Assert.False(loop.Observe([Changed("/p/app.py")], early: true));
            }

            // Someone saving fast, but one save came after the server was ready: no loop.
            Assert.False(loop.Observe([Changed("/p/app.py")], early: false));
        }

        Assert.False(loop.Observe([Changed("/p/a.py")], early: true));
        Assert.False(loop.Observe([Changed("/p/b.py")], early: true));
        for (var i = 0; i < FeedbackLoop.Streak * 2; i++)
        {
            Assert.False(loop.Observe([FileChange.Lost], early: true));
        }
    }

    [Fact]
    public async Task A_server_that_appends_to_a_watched_file_as_it_starts_is_named_never_slowed_and_edits_still_restart()
    {
        using var folder = new TempFolder();
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch", "--", "sh", "-c", "date >> stamp.txt; exec sleep 100"]);

        // `date >> stamp.txt` holds the file open for a moment only: a sample catches it (evidence, and the loop ends)
        // or it does not, and the streak names it. Either way the line says what to exclude, and nothing waits.
        var named = await fs.WaitForLineAsync(
            @"stamp\.txt is the server's own write \(pid \d+ holds it open for writing\)|! stamp\.txt changed within 1\.0 s of each of the last \d+ starts, before the server was ready", Patience);
        Assert.Contains("-x 'stamp.txt'", named);
        Assert.DoesNotContain("wait", named);

        folder.Write("app.txt", "edited");
        await fs.WaitForLineAsync(@"restarted \(generation \d+\) ← .*app\.txt.* changed", Patience);
    }

    [Fact]
    public async Task Edits_half_a_second_apart_each_restart_a_server_that_never_gets_ready()
    {
        using var folder = new TempFolder();
        var page = folder.Write("server.js", "0");
        // No port is known, so no generation is ever ready: the case a guess took for a loop and slowed to 2 s.
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch", "--", "sh", "-c", "exec sleep 600"]);
        await fs.WaitForLineAsync(@"started .* \(pid \d+, generation 1\)", Patience);

        const int Edits = 8;
        for (var edit = 1; edit <= Edits; edit++)
        {
            await Task.Delay(500);
            File.WriteAllText(page, edit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        // Every edit is its own restart: a pause would have merged the edits made during it into one.
        await fs.WaitForLineAsync($@"restarted \(generation {Edits + 1}\) ← server\.js changed", Patience);
        Assert.Equal(Edits, fs.Count(@"server\.js changed; restarting"));
        Assert.Equal(0, fs.Count("wait"));
    }

    [Fact]
    public async Task Edits_that_come_right_after_each_ready_line_are_not_taken_for_a_loop()
    {
        using var folder = new TempFolder();
        var page = folder.Write("page.txt", "0");
        var port = FreePort.Get();
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch", "--port", port.ToString(), "--", TestPaths.TestServer, "--port", port.ToString()]);

        await fs.WaitForLineAsync(@"ready in \d+ ms .*\(generation 1\)", Patience);
        for (var generation = 2; generation <= FeedbackLoop.Streak + 2; generation++)
        {
            File.WriteAllText(page, generation.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await fs.WaitForLineAsync($@"ready in \d+ ms .*\(generation {generation}\) ← page\.txt changed", Patience);
        }

        Assert.Equal(0, fs.Count("before the server was ready"));
    }

    [Fact]
    public async Task Its_own_output_redirected_into_the_watched_folder_is_not_a_change()
    {
        using var folder = new TempFolder();
        var log = folder.File("dev.log");
        // What `freshserve watch -- ... > dev.log 2>&1` does in a shell; the server prints a line every 100 ms.
        await using var fs = FreshServeProcess.Start(folder.Path,
            ["watch", "--", "sh", "-c", "while :; do echo tick; sleep 0.1; done"],
            wrapper: ["sh", "-c", "exec \"$0\" \"$@\" > dev.log 2>&1"]);

        string Log() => File.Exists(log) ? File.ReadAllText(log) : string.Empty; // the shell creates it a moment after the start
        await WaitForAsync(() => Log().Contains("generation 1", StringComparison.Ordinal));
        await Task.Delay(2000);
        var text = File.ReadAllText(log);
        fs.Track(StartedPids(text));
        Assert.Contains("not watching dev.log: freshserve's output goes there", text);
        Assert.Contains("tick", text);
        Assert.DoesNotContain("generation 2", text);

        folder.Write("app.txt", "edited");
        await WaitForAsync(() => Log().Contains("generation 2", StringComparison.Ordinal));
        fs.Track(StartedPids(File.ReadAllText(log)));
        Assert.Contains("app.txt changed", File.ReadAllText(log));
    }

    private static FileChange Changed(string path) => new(path, ChangeKind.Changed);

    private static IEnumerable<int> StartedPids(string text) =>
        StartedPid().Matches(text).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(50);
        }
    }

    [GeneratedRegex(@"pid (\d+)")]
    private static partial Regex StartedPid();
}
