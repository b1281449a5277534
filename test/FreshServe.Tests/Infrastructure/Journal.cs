using Microsoft.Extensions.Time.Testing;

namespace FreshServe.Tests.Infrastructure;

/// <summary>
/// Everything a fake-driven test saw happen, in order ("start 2", "stop 1", "route 2", "timer 10", "log Ready ..."): tests await
/// entries as deterministic signals and assert on their order.
/// </summary>
public sealed class Journal
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly Lock _gate = new();
    private readonly List<string> _entries = [];
    private TaskCompletionSource _added = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Add(string entry)
    {
        TaskCompletionSource added;
        lock (_gate)
        {
            _entries.Add(entry);
            added = _added;
            _added = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        added.TrySetResult();
    }

    public IReadOnlyList<string> Entries
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries];
            }
        }
    }

    public int IndexOf(string entry) => Entries.ToList().IndexOf(entry);

    public int Count(string entry) => Entries.Count(e => e == entry);

    public bool Has(string entry) => IndexOf(entry) >= 0;

    /// <summary>Waits until <paramref name="entry"/> has been added <paramref name="times"/> times; fails after a generous real-time limit.</summary>
    public Task UntilAsync(string entry, int times = 1) => UntilAsync(entries => entries.Count(e => e == entry) >= times, entry);

    public async Task UntilAsync(Func<IReadOnlyList<string>, bool> done, string what)
    {
        var limit = TimeProvider.System.GetTimestamp();
        while (true)
        {
            Task added;
            lock (_gate)
            {
                if (done(_entries))
                {
                    return;
                }

                added = _added.Task;
            }

            var left = Patience - TimeProvider.System.GetElapsedTime(limit);
            try
            {
                await added.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"never saw {what}; the loop did:\n{string.Join('\n', Entries)}");
            }
        }
    }

    public override string ToString() => string.Join('\n', Entries);
}

/// <summary>A fake clock (<see cref="FakeTimeProvider"/>) that journals each timer armed, so a test advances it only once the loop waits on it.</summary>
public sealed class JournaledTime(Journal journal) : TimeProvider
{
    public FakeTimeProvider Fake { get; } = new();

    public override DateTimeOffset GetUtcNow() => Fake.GetUtcNow();
    public override long GetTimestamp() => Fake.GetTimestamp();
    public override long TimestampFrequency => Fake.TimestampFrequency;
    public override TimeZoneInfo LocalTimeZone => Fake.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = Fake.CreateTimer(callback, state, dueTime, period);
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            journal.Add($"timer {dueTime.TotalMilliseconds:0.###}");
        }

        return timer;
    }

    public void Advance(TimeSpan by) => Fake.Advance(by);

    public void Advance(int milliseconds) => Fake.Advance(TimeSpan.FromMilliseconds(milliseconds));
}
