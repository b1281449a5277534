using FreshServe.Processes;
using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Processes;

/// <summary>
/// The one stop protocol (graceful, wait, force, wait) every tree goes through, with the platform replaced by a
/// recording fake. The real platforms are covered by the tree, Wine and leftover tests.
/// </summary>
public sealed class TreeStopperTests
{
    private static readonly StopPolicy Term = new(StopSignal.Term, TimeSpan.FromSeconds(30));

    [Fact]
    public async Task A_tree_that_obeys_the_graceful_signal_is_never_forced()
    {
        var tree = new FakeTree { GoesOnGraceful = true };
        var outcome = await TreeStopper.StopAsync(tree, new StopPolicy(StopSignal.Int, TimeSpan.FromSeconds(30)));

        Assert.False(outcome.Forced);
        Assert.True(outcome.GracefulDelivered);
        Assert.Equal(["graceful SIGINT"], tree.Sent);
    }

    [Fact]
    public async Task A_tree_that_ignores_the_graceful_signal_is_forced_once_the_timeout_is_over()
    {
        var tree = new FakeTree { GoesAfterForces = 1 };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var outcome = await TreeStopper.StopAsync(tree, new StopPolicy(StopSignal.Term, TimeSpan.FromMilliseconds(200)));

        Assert.True(outcome.Forced);
        Assert.True(outcome.GracefulDelivered);
        Assert.Equal(["graceful SIGTERM", "force"], tree.Sent);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(200), $"forced after {clock.Elapsed}, before the timeout");
    }

    [Fact]
    public async Task Force_is_repeated_until_nothing_is_left()
    {
        var tree = new FakeTree { GoesAfterForces = 3 };
        var outcome = await TreeStopper.StopAsync(tree, new StopPolicy(StopSignal.Kill, TimeSpan.FromSeconds(30)));

        Assert.True(outcome.Forced);
        Assert.Equal(["force", "force", "force"], tree.Sent);
        Assert.True(tree.IsGone());
    }

    [Fact]
    public async Task An_undeliverable_graceful_request_forces_at_once_and_says_so()
    {
        var tree = new FakeTree { CanDeliver = false, GoesAfterForces = 1 };
        var outcome = await TreeStopper.StopAsync(tree, Term);

        Assert.True(outcome.Forced);
        Assert.False(outcome.GracefulDelivered);
        Assert.Equal(["undeliverable SIGTERM", "force"], tree.Sent);
        Assert.True(outcome.Elapsed < Term.Timeout);
    }

    [Fact]
    public async Task Force_now_cuts_the_graceful_wait_short()
    {
        var tree = new FakeTree { GoesAfterForces = 1 };
        using var forceNow = new CancellationTokenSource();
        var stopping = TreeStopper.StopAsync(tree, Term, forceNow.Token);
        while (tree.Sent.Count == 0)
        {
            await Task.Delay(5);
        }

        await forceNow.CancelAsync();
        var outcome = await stopping.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(outcome.Forced);
        Assert.Equal(["graceful SIGTERM", "force"], tree.Sent);
    }

    [Fact]
    public async Task A_tree_already_gone_gets_no_signal()
    {
        var tree = new FakeTree { Gone = true };
        var outcome = await TreeStopper.StopAsync(tree, Term);

        Assert.False(outcome.Forced);
        Assert.Empty(tree.Sent);
    }

    [Fact]
    public async Task A_root_that_exited_before_the_rest_wakes_the_wait_once_and_does_not_make_it_spin()
    {
        // The root exits at once; the rest of the tree ignores the graceful signal for the whole timeout.
        var tree = new FakeTree { Changed = Task.CompletedTask, GoesAfterForces = 1 };
        await TreeStopper.StopAsync(tree, new StopPolicy(StopSignal.Term, TimeSpan.FromMilliseconds(300)));

        // Looks come at most every 25 ms once the pause has grown: about 16 in 300 ms, never thousands.
        Assert.InRange(tree.Looks, 2, 60);
    }

    [Fact]
    public async Task The_grace_period_is_waited_on_the_clock_given_and_force_comes_only_after_it()
    {
        var journal = new Journal();
        var time = new JournaledTime(journal);
        var tree = new FakeTree { GoesAfterForces = 1 };
        var stopping = TreeStopper.StopAsync(tree, new StopPolicy(StopSignal.Term, TimeSpan.FromSeconds(5)), time: time);

        // Each look arms one timer; advance by it once it is armed, until the stop ends.
        var advanced = TimeSpan.Zero;
        for (var armed = 1; !stopping.IsCompleted; armed++)
        {
            var timer = journal.UntilAsync(entries => entries.Count(e => e.StartsWith("timer ", StringComparison.Ordinal)) >= armed, $"timer {armed}");
            if (await Task.WhenAny(stopping, timer) == stopping)
            {
                break;
            }

            Assert.DoesNotContain("force", tree.Sent);
            var due = TimeSpan.FromMilliseconds(double.Parse(journal.Entries.Where(e => e.StartsWith("timer ", StringComparison.Ordinal)).ElementAt(armed - 1)[6..],
                System.Globalization.CultureInfo.InvariantCulture));
            Assert.InRange(due, TimeSpan.FromMilliseconds(2), TimeSpan.FromMilliseconds(25));
            time.Advance(due);
            advanced += due;
        }

        var outcome = await stopping;
        Assert.True(outcome.Forced);
        Assert.Equal(["graceful SIGTERM", "force"], tree.Sent);
        Assert.InRange(advanced, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5) + TimeSpan.FromMilliseconds(25));
        Assert.Equal(advanced, outcome.Elapsed);
    }

    private sealed class FakeTree : IStoppableTree
    {
        private int _forces;

        public bool Gone { get; set; }

        public bool GoesOnGraceful { get; init; }

        public bool CanDeliver { get; init; } = true;

        public int GoesAfterForces { get; init; } = int.MaxValue;

        public int Looks { get; private set; }

        public List<string> Sent { get; } = [];

        public Task? Changed { get; init; }

        public bool IsGone()
        {
            Looks++;
            return Gone;
        }

        public bool SendGraceful(StopSignal signal)
        {
            Sent.Add((CanDeliver ? "graceful " : "undeliverable ") + signal.Name());
            Gone |= CanDeliver && GoesOnGraceful;
            return CanDeliver;
        }

        public void Force()
        {
            Sent.Add("force");
            Gone |= ++_forces >= GoesAfterForces;
        }
    }
}
