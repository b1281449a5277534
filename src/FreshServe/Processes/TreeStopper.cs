using System.Diagnostics;

namespace FreshServe.Processes;

/// <summary>What stopping needs from one process tree on its platform.</summary>
internal interface IStoppableTree
{
    /// <summary>Completes when the tree changed in a way worth a look at once (its root exited); null to poll only.</summary>
    Task? Changed { get; }

    /// <summary>True when no process of the tree is left.</summary>
    bool IsGone();

    /// <summary>Sends the graceful request; false when it cannot be delivered (there is nothing to wait for then).</summary>
    bool SendGraceful(StopSignal signal);

    /// <summary>Ends every process of the tree still there; called again on each look until none is left.</summary>
    void Force();
}

/// <summary>
/// The one way freshserve stops a tree (a worker on Unix or Windows, what a dead session left behind): the graceful
/// request, a wait of up to the policy's timeout (cut short by <c>forceNow</c>), then force until nothing is left.
/// Waits look at the tree after 2 ms, then at doubling intervals of at most 25 ms, and at once when it changes.
/// </summary>
internal static class TreeStopper
{
    /// <summary>How long forcing goes on at most (a process stuck in the kernel cannot be ended sooner).</summary>
    public static readonly TimeSpan ForceBudget = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan FirstLook = TimeSpan.FromMilliseconds(2);
    private static readonly TimeSpan LongestPause = TimeSpan.FromMilliseconds(25);

    public static async Task<StopOutcome> StopAsync(IStoppableTree tree, StopPolicy policy, CancellationToken forceNow = default)
    {
        var clock = Stopwatch.StartNew();
        if (tree.IsGone())
        {
            return new(clock.Elapsed, Forced: false);
        }

        var graceful = policy.Signal != StopSignal.Kill && !forceNow.IsCancellationRequested;
        var delivered = graceful && tree.SendGraceful(policy.Signal);
        if (delivered && await WaitUntilGoneAsync(tree, policy.Timeout, forceNow, eachLook: null).ConfigureAwait(false))
        {
            return new(clock.Elapsed, Forced: false);
        }

        await WaitUntilGoneAsync(tree, ForceBudget, CancellationToken.None, eachLook: tree.Force).ConfigureAwait(false);
        return new(clock.Elapsed, Forced: true) { GracefulDelivered = delivered || !graceful };
    }

    private static async Task<bool> WaitUntilGoneAsync(IStoppableTree tree, TimeSpan timeout, CancellationToken forceNow, Action? eachLook)
    {
        var deadline = Stopwatch.StartNew();
        var pause = FirstLook;
        while (true)
        {
            eachLook?.Invoke();
            if (tree.IsGone())
            {
                return true;
            }

            if (deadline.Elapsed >= timeout || forceNow.IsCancellationRequested)
            {
                return false;
            }

            try
            {
                // Once the root has exited its task stays completed: from then on only the pause paces the looks.
                if (tree.Changed is { IsCompleted: false } changed)
                {
                    await Task.WhenAny(changed, Task.Delay(pause, forceNow)).ConfigureAwait(false);
                }
                else
                {
                    await Task.Delay(pause, forceNow).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                return false;
            }

            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, LongestPause.Ticks));
        }
    }
}
