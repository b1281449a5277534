using System.Text.RegularExpressions;
using FreshServe.Supervision;
using FreshServe.Tests.Infrastructure;
using FreshServe.Watching;

namespace FreshServe.Tests.Supervision;

/// <summary>A server that writes into the watched folder as it starts, and freshserve's own output redirected there.</summary>
public sealed partial class FeedbackLoopTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Soon = TimeSpan.FromMilliseconds(100);

    [Fact]
    public void The_same_files_soon_after_each_start_make_a_loop_once_the_streak_is_complete()
    {
        var loop = new FeedbackLoop();
        for (var i = 1; i < FeedbackLoop.Streak; i++)
        {
            Assert.False(loop.Observe(["/p/log.txt"], Soon));
            Assert.False(loop.IsEcho(["/p/log.txt"], Soon));
        }

        Assert.True(loop.Observe(["/p/log.txt"], Soon));
        Assert.True(loop.IsEcho(["/p/log.txt"], Soon));
        Assert.False(loop.IsEcho(["/p/log.txt"], FeedbackLoop.SoonAfterStart + TimeSpan.FromSeconds(1)));
        Assert.False(loop.IsEcho(["/p/log.txt", "/p/app.py"], Soon));
        Assert.False(loop.IsEcho(["/p/app.py"], Soon));
    }

    [Fact]
    public void A_late_change_other_files_or_lost_events_break_the_streak()
    {
        var loop = new FeedbackLoop();
        for (var round = 0; round < 3; round++)
        {
            for (var i = 1; i < FeedbackLoop.Streak; i++)
            {
                Assert.False(loop.Observe(["/p/app.py"], Soon));
            }

            // The edits of someone saving fast, but one of them came later: no loop.
            Assert.False(loop.Observe(["/p/app.py"], FeedbackLoop.SoonAfterStart + TimeSpan.FromMilliseconds(1)));
        }

        Assert.False(loop.Observe(["/p/a.py"], Soon));
        Assert.False(loop.Observe(["/p/b.py"], Soon));
        for (var i = 0; i < FeedbackLoop.Streak * 2; i++)
        {
            Assert.False(loop.Observe([ChangeSink.Unknown], Soon));
        }

        Assert.False(loop.IsEcho([ChangeSink.Unknown], Soon));
    }

    [Fact]
    public async Task A_server_that_writes_a_watched_file_as_it_starts_is_named_and_stops_restarting_itself()
    {
        using var folder = new TempFolder();
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch", "--", "sh", "-c", "date >> stamp.txt; exec sleep 100"]);

        var warning = await fs.WaitForLineAsync(@"! stamp\.txt changed within 1\.0 s of each of the last \d+ starts: the server writes it", Patience);
        Assert.Contains("-x 'stamp.txt'", warning);
        var generations = fs.Count(@"\(generation \d+\)");
        await Task.Delay(3000);
        Assert.InRange(fs.Count(@"\(generation \d+\)"), generations, generations + 1);

        // An edit of another file still restarts, and so does the server's file edited later than a start's echo.
        folder.Write("app.txt", "edited");
        await fs.WaitForLineAsync(@"app\.txt changed; restarting", Patience);
        await Task.Delay(FeedbackLoop.SoonAfterStart + TimeSpan.FromSeconds(1));
        File.AppendAllText(folder.File("stamp.txt"), "by hand\n");
        await fs.WaitForLineAsync(@"restarted \(generation \d+\) ← stamp\.txt changed", Patience, count: FeedbackLoop.Streak + 1);
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

        await WaitForAsync(() => File.ReadAllText(log).Contains("generation 1", StringComparison.Ordinal));
        await Task.Delay(2000);
        var text = File.ReadAllText(log);
        fs.Track(StartedPids(text));
        Assert.Contains("not watching dev.log: freshserve's output goes there", text);
        Assert.Contains("tick", text);
        Assert.DoesNotContain("generation 2", text);

        folder.Write("app.txt", "edited");
        await WaitForAsync(() => File.ReadAllText(log).Contains("generation 2", StringComparison.Ordinal));
        fs.Track(StartedPids(File.ReadAllText(log)));
        Assert.Contains("app.txt changed", File.ReadAllText(log));
    }

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
