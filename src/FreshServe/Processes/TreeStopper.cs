
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

    /// <summary>
    /// What the graceful request still needs after <see cref="SendGraceful"/> reached the tree's main part (Unix: a full
    /// look at the process table for members outside the worker's group), run off the caller's path.
    /// </summary>
    void SendGracefulToTheRest(StopSignal signal)
    {
    }

    /// <summary>Ends every process of the tree still there; called again on each look until none is left.</summary>
    void Force();
}

/// <summary>
/// The one way freshserve stops a tree (a worker on Unix or Windows, what a dead session left behind): the graceful
/// request (the caller gets control back once its first part is sent, see <see cref="IStoppableTree.SendGracefulToTheRest"/>), a wait of up to the policy's timeout (cut short by <c>forceNow</c>), then force until nothing is left.
/// Waits look at the tree after 2 ms, then at doubling intervals of at most 25 ms, and at once when it changes.
/// </summary>
internal static class TreeStopper
{
    /// <summary>How long forcing goes on at most (a process stuck in the kernel cannot be ended sooner).</summary>
    public static readonly TimeSpan ForceBudget = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan FirstLook = TimeSpan.FromMilliseconds(2);
    private static readonly TimeSpan LongestPause = TimeSpan.FromMilliseconds(25);

    /// <param name="time">The clock of the grace period and the looks (the system's by default).</param>
    public static async Task<StopOutcome> StopAsync(IStoppableTree tree, StopPolicy policy, CancellationToken forceNow = default, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        var started = time.GetTimestamp();
        if (tree.IsGone())
        {
            return new(time.GetElapsedTime(started), Forced: false);
        }

        var graceful = policy.Signal != StopSignal.Kill && !forceNow.IsCancellationRequested;
        var delivered = graceful && tree.SendGraceful(policy.Signal);
        if (delivered)
        {
            // The caller (a restart waiting for the old tree's ports) goes on while the rest is looked for.
            await Task.Run(() => tree.SendGracefulToTheRest(policy.Signal), CancellationToken.None).ConfigureAwait(false);
        }

        if (delivered && await WaitUntilGoneAsync(tree, policy.Timeout, forceNow, eachLook: null, time).ConfigureAwait(false))
        {
            return new(time.GetElapsedTime(started), Forced: false);
        }

        await WaitUntilGoneAsync(tree, ForceBudget, CancellationToken.None, eachLook: tree.Force, time).ConfigureAwait(false);
        return new(time.GetElapsedTime(started), Forced: true) { GracefulDelivered = delivered || !graceful };
    }

    private static async Task<bool> WaitUntilGoneAsync(IStoppableTree tree, TimeSpan timeout, CancellationToken forceNow, Action? eachLook, TimeProvider time)
    {
        var since = time.GetTimestamp();
        var pause = FirstLook;
        while (true)
        {
            eachLook?.Invoke();
            if (tree.IsGone())
            {
                return true;
            }

            if (time.GetElapsedTime(since) >= timeout || forceNow.IsCancellationRequested)
            {
                return false;
            }

            try
            {
                // Once the root has exited its task stays completed: from then on only the pause paces the looks.
                if (tree.Changed is { IsCompleted: false } changed)
                {
                    await Task.WhenAny(changed, Task.Delay(pause, time, forceNow)).ConfigureAwait(false);
                }
                else
                {
                    await Task.Delay(pause, time, forceNow).ConfigureAwait(false);
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
