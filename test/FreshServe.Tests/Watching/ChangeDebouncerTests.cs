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

        debouncer.Post("/a");
        var quiet = debouncer.WaitForQuietAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromMilliseconds(30));
        debouncer.Post("/b");
        time.Advance(TimeSpan.FromMilliseconds(30));
        Assert.False(quiet.IsCompleted, "the burst was cut while it was still going on");

        time.Advance(TimeSpan.FromMilliseconds(25));
        var burst = await quiet.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(["/a", "/b"], burst);
        Assert.Empty(debouncer.Pending);
    }

    [Fact]
    public async Task A_burst_that_never_goes_quiet_is_taken_after_max_wait()
    {
        var time = new FakeTimeProvider();
        var debouncer = new ChangeDebouncer(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500), time);
        debouncer.Post("/log");
        var quiet = debouncer.WaitForQuietAsync(CancellationToken.None);
        for (var i = 0; i < 6 && !quiet.IsCompleted; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(90));
            debouncer.Post("/log");
            await Task.Yield();
        }

        time.Advance(TimeSpan.FromMilliseconds(90));
        var burst = await quiet.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(["/log"], burst);
    }

    [Fact]
    public async Task WaitForChange_completes_at_the_first_event_not_after_the_window()
    {
        var time = new FakeTimeProvider();
        var debouncer = new ChangeDebouncer(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20), time);
        var change = debouncer.WaitForChangeAsync(CancellationToken.None);
        Assert.False(change.IsCompleted);
        debouncer.Post("/a");
        await change.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Duplicate_paths_are_listed_once()
    {
        var debouncer = new ChangeDebouncer(TimeSpan.Zero, TimeSpan.Zero);
        debouncer.Post("/a");
        debouncer.Post("/a");
        debouncer.Post("/b");
        Assert.Equal(["/a", "/b"], debouncer.Pending);
    }
}
