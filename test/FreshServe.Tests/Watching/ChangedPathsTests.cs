using FreshServe.Watching;

namespace FreshServe.Tests.Watching;

public sealed class ChangedPathsTests
{
    [Fact]
    public async Task A_burst_taken_by_the_quiet_window_while_the_line_is_written_is_still_named()
    {
        // The interleaving that made restart lines read "a file changed": the quiet window has already taken (and
        // cleared) the burst, but its task has not completed yet when the restart line looks at it.
        var root = Path.Combine(Path.GetTempPath(), "freshserve-root");
        var debouncer = new ChangeDebouncer(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(2));
        var quiet = new TaskCompletionSource<IReadOnlyList<FileChange>>();

        var describing = ChangedPaths.DescribeBurstAsync(debouncer, quiet.Task, [root]);
        await Task.Delay(ChangedPaths.SettleTime * 3);
        quiet.SetResult([new FileChange(Path.Combine(root, "page.txt"), ChangeKind.Changed)]);

        Assert.Equal("page.txt", await describing.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task The_pending_burst_is_named_when_the_quiet_window_is_still_open()
    {
        var root = Path.Combine(Path.GetTempPath(), "freshserve-root");
        var debouncer = new ChangeDebouncer(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20));
        debouncer.Post(new FileChange(Path.Combine(root, "web_app.py"), ChangeKind.Changed));
        var quiet = new TaskCompletionSource<IReadOnlyList<FileChange>>();

        Assert.Equal("web_app.py", await ChangedPaths.DescribeBurstAsync(debouncer, quiet.Task, [root]).WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_temp_file_already_gone_is_not_named_and_deleted_files_come_last()
    {
        using var folder = new Infrastructure.TempFolder();
        var saved = folder.Write("app.py", "x");
        var debouncer = new ChangeDebouncer(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20));
        // sed -i's temp file, seen as it appeared; its rename away is still on its way.
        debouncer.Post(new FileChange(folder.File("sedX1y2Z3"), ChangeKind.Created));
        debouncer.Post(new FileChange(folder.File("old.py"), ChangeKind.Deleted));
        debouncer.Post(new FileChange(saved, ChangeKind.Renamed));
        var quiet = new TaskCompletionSource<IReadOnlyList<FileChange>>();

        Assert.Equal("app.py, old.py", await ChangedPaths.DescribeBurstAsync(debouncer, quiet.Task, [folder.Path]).WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Theory]
    [InlineData(new string[0], "a file")]
    [InlineData(new[] { "*" }, "something (events were lost)")]
    [InlineData(new[] { "a", "b", "c", "d", "e" }, "a, b, c and 2 more")]
    public void Descriptions_are_capped_and_say_when_events_were_lost(string[] paths, string expected) =>
        Assert.Equal(expected, ChangedPaths.Describe(paths));
}
