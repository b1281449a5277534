using System.Threading.Channels;
using FreshServe.Common;
using FreshServe.Ports;
using Microsoft.Extensions.Time.Testing;

namespace FreshServe.Tests.Common;

/// <summary>The one retry (port-free wait, readiness) on a fake clock: each pause, the budget, the caller's token.</summary>
public sealed class BudgetedRetryTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    [Fact]
    public async Task Pauses_grow_to_the_longest_and_the_budget_ends_the_tries()
    {
        var time = new PauseRecordingTime();
        var retry = new BudgetedRetry(1000 * Ms, 5 * Ms, 250 * Ms, growth: 2, time);
        var attempts = new List<double>();
        var start = time.GetUtcNow();

        var run = retry.UntilAsync((_, _) =>
        {
            attempts.Add((time.GetUtcNow() - start).TotalMilliseconds);
            return ValueTask.FromResult(false);
        }, 0, CancellationToken.None);
        var pauses = await time.DriveAsync(run);

        Assert.False(await run);
        // The last pause is cut short by the budget.
        Assert.Equal([5, 10, 20, 40, 80, 160, 250, 250, 250], pauses.Select(p => p.TotalMilliseconds));
        Assert.Equal([0, 5, 15, 35, 75, 155, 315, 565, 815], attempts);
    }

    [Fact]
    public async Task The_first_attempt_that_succeeds_ends_the_retry()
    {
        var time = new PauseRecordingTime();
        var retry = new BudgetedRetry(TimeSpan.FromSeconds(5), 5 * Ms, 50 * Ms, growth: 1.5, time);
        var calls = 0;

        var run = retry.UntilAsync((_, _) => ValueTask.FromResult(++calls == 4), 0, CancellationToken.None);
        var pauses = await time.DriveAsync(run);

        Assert.True(await run);
        Assert.Equal(4, calls);
        Assert.Equal([5, 7, 11], pauses.Select(p => p.TotalMilliseconds));
    }

    [Fact]
    public async Task Without_a_budget_it_tries_until_the_callers_token_ends_it_and_then_throws()
    {
        var time = new PauseRecordingTime();
        var retry = new BudgetedRetry(Timeout.InfiniteTimeSpan, 5 * Ms, 500 * Ms, growth: 1.5, time);
        using var caller = new CancellationTokenSource();
        var calls = 0;

        var run = retry.UntilAsync((_, _) =>
        {
            if (++calls == 30)
            {
                caller.Cancel();
            }

            return ValueTask.FromResult(false);
        }, 0, caller.Token);
        var pauses = await time.DriveAsync(run);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.Equal(30, calls);
        Assert.Equal(500, pauses.Max().TotalMilliseconds);
    }

    [Fact]
    public async Task The_port_free_wait_checks_until_the_port_is_free_or_its_budget_is_spent()
    {
        var time = new PauseRecordingTime();
        var checks = 0;
        var freed = new PortFreeWaiter(TimeSpan.FromSeconds(2), _ => ++checks < 3, time);
        var run = freed.WaitAsync(1234, CancellationToken.None);
        await time.DriveAsync(run);
        Assert.True(await run);
        Assert.Equal(3, checks);

        var held = new PortFreeWaiter(TimeSpan.FromSeconds(2), _ => true, time);
        var start = time.GetUtcNow();
        run = held.WaitAsync(1234, CancellationToken.None);
        await time.DriveAsync(run);
        Assert.False(await run);
        Assert.InRange(time.GetUtcNow() - start, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2) + 250 * Ms);
    }

    /// <summary>A fake clock that reports each pause the retry waits for, so a test can advance by exactly that pause.</summary>
    private sealed class PauseRecordingTime : FakeTimeProvider
    {
        private readonly Channel<TimeSpan> _pauses = Channel.CreateUnbounded<TimeSpan>();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            // A pause is a one-shot timer with a finite due time; the budget's timer is created unarmed and set later.
            if (dueTime != Timeout.InfiniteTimeSpan && period == Timeout.InfiniteTimeSpan)
            {
                _pauses.Writer.TryWrite(dueTime);
            }

            return base.CreateTimer(callback, state, dueTime, period);
        }

        /// <summary>Advances the clock by each pause as <paramref name="run"/> starts waiting for it, until it ends; returns the pauses.</summary>
        public async Task<List<TimeSpan>> DriveAsync(Task run)
        {
            var pauses = new List<TimeSpan>();
            while (true)
            {
                var next = _pauses.Reader.WaitToReadAsync().AsTask();
                if (await Task.WhenAny(run, next).WaitAsync(TimeSpan.FromSeconds(10)) == run && !_pauses.Reader.TryPeek(out _))
                {
                    return pauses;
                }

                var pause = await _pauses.Reader.ReadAsync();
                pauses.Add(pause);
                Advance(pause);
            }
        }
    }
}
