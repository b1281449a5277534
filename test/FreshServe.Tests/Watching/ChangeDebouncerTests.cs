using FreshServe.Watching;
using Microsoft.Extensions.Time.Testing;

namespace FreshServe.Tests.Watching;

public sealed class ChangeDebouncerTests
{
    [Fact]
    public async Task A_burst_is_taken_once_it_has_been_quiet_for_the_window()
    {
        var time = new FakeTimeProvider();
        var debouncer = new ChangeDebouncer(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(2), time);

        debouncer.Post(Changed("/a"));
        var quiet = debouncer.WaitForQuietAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromMilliseconds(30));
        debouncer.Post(Changed("/b"));
        time.Advance(TimeSpan.FromMilliseconds(30));
        Assert.False(quiet.IsCompleted, "the burst was cut while it was still going on");

        time.Advance(TimeSpan.FromMilliseconds(25));
        var burst = await quiet.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(["/a", "/b"], burst.Select(c => c.Path));
        Assert.Empty(debouncer.Pending);
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
