using FreshServe.Watching;
using Microsoft.Extensions.Time.Testing;

namespace FreshServe.Tests.Watching;

public sealed class ChangeDebouncerTests
{
    [Fact]
    public async Task A_single_save_is_taken_after_the_first_short_window()
    {
        var time = new FakeTimeProvider();
        var debouncer = new ChangeDebouncer(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(2), time);

        debouncer.Post(Changed("/a"));
        var quiet = debouncer.WaitForQuietAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromMilliseconds(1));
        debouncer.Post(Changed("/a")); // an editor's save is a few events within a millisecond
        time.Advance(TimeSpan.FromMilliseconds(8));
        Assert.False(quiet.IsCompleted, "taken before it was quiet for the first window");

        time.Advance(TimeSpan.FromMilliseconds(2));
        var burst = await quiet.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(["/a"], burst.Select(c => c.Path));
        Assert.Empty(debouncer.Pending);
    }

    [Fact]
    public async Task A_burst_needs_as_much_quiet_as_it_lasted_up_to_the_window()
    {
        var time = new FakeTimeProvider();
        var debouncer = new ChangeDebouncer(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(2), time);

        debouncer.Post(Changed("/a"));
        var quiet = debouncer.WaitForQuietAsync(CancellationToken.None);
        // A checkout: files keep coming with gaps under the first window, and a longer gap once the burst has lasted.
        for (var i = 1; i <= 4; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(8));
            debouncer.Post(Changed($"/f{i}"));
            await Task.Yield();
        }

        time.Advance(TimeSpan.FromMilliseconds(30)); // the burst lasted 32 ms: a 30 ms gap does not end it
        Assert.False(quiet.IsCompleted, "the burst was cut while it was still going on");
        debouncer.Post(Changed("/b"));
        for (var i = 0; i < 6; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(8));
            debouncer.Post(Changed($"/g{i}"));
            await Task.Yield();
        }

        time.Advance(TimeSpan.FromMilliseconds(49)); // lasted 110 ms: the full 50 ms window applies
        Assert.False(quiet.IsCompleted, "taken before it was quiet for the whole window");
        time.Advance(TimeSpan.FromMilliseconds(2));
        var burst = await quiet.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(12, burst.Count);
        Assert.Equal("/b", burst[5].Path);
    }

    [Fact]
    public async Task A_bulk_write_gets_the_whole_window_at_once_even_when_its_writer_pauses_early()
    {
        var time = new FakeTimeProvider();
        var debouncer = new ChangeDebouncer(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(2), time);
        for (var i = 0; i < 4; i++)
        {
            debouncer.Post(Changed($"/f{i}"));
        }

        var quiet = debouncer.WaitForQuietAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromMilliseconds(30)); // a loaded machine pauses the checkout
        Assert.False(quiet.IsCompleted, "four files are more than one save: the burst was cut");
        debouncer.Post(Changed("/f4"));
        time.Advance(TimeSpan.FromMilliseconds(51));
        Assert.Equal(5, (await quiet.WaitAsync(TimeSpan.FromSeconds(5))).Count);
    }

    [Fact]
    public async Task The_servers_own_writes_are_judged_over_the_whole_window()
    {
        var time = new FakeTimeProvider();
        var debouncer = new ChangeDebouncer(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(2), time);
        debouncer.Post(Changed("/generated"));
        var quiet = debouncer.WaitForQuietAsync(CancellationToken.None, wholeWindow: true);
        time.Advance(TimeSpan.FromMilliseconds(30));
        Assert.False(quiet.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(21));
        Assert.Single(await quiet.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_burst_that_never_goes_quiet_is_taken_after_max_wait()
    {
        var time = new FakeTimeProvider();
        var debouncer = new ChangeDebouncer(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500), time);
        debouncer.Post(Changed("/log"));
        var quiet = debouncer.WaitForQuietAsync(CancellationToken.None);
        for (var i = 0; i < 6 && !quiet.IsCompleted; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(90));
            debouncer.Post(Changed("/log"));
            await Task.Yield();
        }

        time.Advance(TimeSpan.FromMilliseconds(90));
        var burst = await quiet.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(["/log"], burst.Select(c => c.Path));
    }

    [Fact]
    public async Task WaitForChange_completes_at_the_first_event_not_after_the_window()
    {
        var time = new FakeTimeProvider();
        var debouncer = new ChangeDebouncer(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20), time);
        var change = debouncer.WaitForChangeAsync(CancellationToken.None);
        Assert.False(change.IsCompleted);
        debouncer.Post(Changed("/a"));
        await change.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Duplicate_paths_are_listed_once()
    {
        var debouncer = new ChangeDebouncer(TimeSpan.Zero, TimeSpan.Zero);
        debouncer.Post(Changed("/a"));
        debouncer.Post(Changed("/a"));
        debouncer.Post(Changed("/b"));
        Assert.Equal(["/a", "/b"], debouncer.Pending.Select(c => c.Path));
    }

    [Fact]
    public async Task A_burst_of_only_new_files_waits_the_whole_window_for_the_rename_that_usually_follows()
    {
        var time = new FakeTimeProvider();
        var debouncer = new ChangeDebouncer(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(2), time);

        // sed -i on a loaded machine: its temp file is created, and the rename over the edited file comes 30 ms later.
        debouncer.Post(new FileChange("/p/sedAb12Cd", ChangeKind.Created));
        var quiet = debouncer.WaitForQuietAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromMilliseconds(30));
        Assert.False(quiet.IsCompleted, "a burst of one new file was taken after the first window: the rename would be a second restart");
        debouncer.Post(new FileChange("/p/app.py", ChangeKind.Renamed));
        debouncer.Post(new FileChange("/p/sedAb12Cd", ChangeKind.Deleted));

        // From here the burst is an edit of an existing file: as much quiet as it lasted (30 ms).
        time.Advance(TimeSpan.FromMilliseconds(29));
        Assert.False(quiet.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(2));
        Assert.Equal([new FileChange("/p/app.py", ChangeKind.Renamed)], await quiet.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_file_truncated_but_not_yet_written_waits_the_whole_window_for_its_content()
    {
        using var folder = new FreshServe.Tests.Infrastructure.TempFolder();
        var page = folder.Write("page.txt", string.Empty); // opened with O_TRUNC, its data not written yet
        var time = new FakeTimeProvider();
        var debouncer = new ChangeDebouncer(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(2), time);

        debouncer.Post(new FileChange(page, ChangeKind.Changed));
        var quiet = debouncer.WaitForQuietAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromMilliseconds(30));
        Assert.False(quiet.IsCompleted, "an empty file was taken after the first window: its content would be a second restart");
        File.WriteAllText(page, "two");
        debouncer.Post(new FileChange(page, ChangeKind.Changed));
        time.Advance(TimeSpan.FromMilliseconds(31)); // lasted 30 ms: as much quiet, no more
        Assert.Equal([new FileChange(page, ChangeKind.Changed)], await quiet.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_new_file_alone_is_taken_after_the_whole_window()
    {
        var time = new FakeTimeProvider();
        var debouncer = new ChangeDebouncer(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(2), time);
        debouncer.Post(new FileChange("/p/new.py", ChangeKind.Created));
        var quiet = debouncer.WaitForQuietAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromMilliseconds(49));
        Assert.False(quiet.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(2));
        Assert.Equal([new FileChange("/p/new.py", ChangeKind.Created)], await quiet.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void A_file_that_appeared_and_went_within_the_burst_is_no_change()
    {
        var debouncer = new ChangeDebouncer(TimeSpan.Zero, TimeSpan.Zero);
        // sed -i: its temp file is created, written, then renamed over the file being edited.
        debouncer.Post(new FileChange("/p/sedAb12Cd", ChangeKind.Created));
        debouncer.Post(new FileChange("/p/sedAb12Cd", ChangeKind.Changed));
        debouncer.Post(new FileChange("/p/app.py", ChangeKind.Renamed));
        debouncer.Post(new FileChange("/p/sedAb12Cd", ChangeKind.Deleted));
        Assert.Equal([new FileChange("/p/app.py", ChangeKind.Renamed)], debouncer.Pending);
    }

    [Fact]
    public void Kinds_merge_within_a_burst()
    {
        var debouncer = new ChangeDebouncer(TimeSpan.Zero, TimeSpan.Zero);
        debouncer.Post(new FileChange("/p/replaced", ChangeKind.Deleted));
        debouncer.Post(new FileChange("/p/replaced", ChangeKind.Created));
        debouncer.Post(new FileChange("/p/new", ChangeKind.Created));
        debouncer.Post(new FileChange("/p/new", ChangeKind.Changed));
        debouncer.Post(new FileChange("/p/gone", ChangeKind.Changed));
        debouncer.Post(new FileChange("/p/gone", ChangeKind.Deleted));
        debouncer.Post(FileChange.Lost);
        debouncer.Post(FileChange.Lost);
        Assert.Equal(
            [
                new FileChange("/p/replaced", ChangeKind.Changed), new FileChange("/p/new", ChangeKind.Created),
                new FileChange("/p/gone", ChangeKind.Deleted), FileChange.Lost,
            ],
            debouncer.Pending);
    }

    [Fact]
    public async Task A_burst_whose_changes_all_cancelled_out_is_taken_empty()
    {
        var time = new FakeTimeProvider();
        var debouncer = new ChangeDebouncer(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(2), time);
        debouncer.Post(new FileChange("/p/tmp", ChangeKind.Created));
        debouncer.Post(new FileChange("/p/tmp", ChangeKind.Deleted));
        var quiet = debouncer.WaitForQuietAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromMilliseconds(60));
        Assert.Empty(await quiet.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.False(debouncer.WaitForChangeAsync(CancellationToken.None).IsCompleted);
    }

    private static FileChange Changed(string path) => new(path, ChangeKind.Changed);
}
