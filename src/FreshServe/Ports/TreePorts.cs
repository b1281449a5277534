namespace FreshServe.Ports;

/// <summary>
/// The TCP ports a worker tree listens on right now, whatever its command says: Linux reads /proc, macOS asks lsof,
/// Windows reads the TCP table's owner pids.
/// </summary>
public static class TreePorts
{
    // A debugger opens its port before the app opens its own: node --inspect, debugpy, delve.
    private static readonly HashSet<int> DebuggerPorts = [9229, 5678, 2345];

    public static IReadOnlyList<TreeListener> Of(int root)
    {
        if (OperatingSystem.IsWindows())
        {
            return WindowsTcpTable.ListenersOf(WindowsProcessTree.Of(root));
        }

        var tree = Processes.Unix.ProcessTable.GroupAndDescendants(root);
        return OperatingSystem.IsLinux() ? PortOwner.ListenersOf(tree) : LsofListeners.ListenersOf(tree);
    }

    /// <summary>As <see cref="Of"/>, but a process table or socket table that cannot be read now is no listener yet.</summary>
    public static IReadOnlyList<TreeListener> ReadOrNone(int root)
    {
        try
        {
            return Of(root);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException
                                      or System.ComponentModel.Win32Exception or FormatException)
        {
            return [];
        }
    }

    /// <summary>The server's own port among its tree's listeners: the lowest one that is not a debugger's.</summary>
    public static TreeListener? Pick(IReadOnlyList<TreeListener> listeners) =>
        listeners.Where(l => !DebuggerPorts.Contains(l.Port)).MinBy(l => l.Port);

    /// <summary>"pid 4242 (php -S 127.0.0.1:8300)".</summary>
    public static string Describe(TreeListener listener) => new PortHolder(listener.Pid, PortOwner.CommandLineOf(listener.Pid)).Describe();
}

/// <summary>How a generation became ready: the expected port accepted, or its tree was seen listening.</summary>
/// <param name="Observed">The listener seen in the tree; null when the expected port accepted a connection first.</param>
/// <param name="Elsewhere">True when the tree listens on <paramref name="Port"/> and not on the port it was expected on.</param>
public sealed record ReadyPort(int Port, TreeListener? Observed, bool Elsewhere);

/// <summary>
/// Readiness by observation: until ready, the expected port (if any) is probed with a connect, cheaply and often, and
/// the tree's listening sockets are read, less often. Ready is the expected port accepting, or the tree listening on
/// it; with no expected port, the tree listening anywhere; with an expected port the tree ignores, the port it does
/// listen on once it has kept to it for <see cref="ElsewhereAfter"/> (a server may open another port before its own).
/// </summary>
public static class PortReadiness
{
    public static readonly TimeSpan ElsewhereAfter = TimeSpan.FromSeconds(1.5);

    /// <summary>Returns how the tree became ready, or null when <paramref name="timeout"/> passed first.</summary>
    /// <param name="slow">After a timeout: probe and observe rarely, since the server may take minutes.</param>
    /// <param name="elsewhereCounts">False behind the proxy, where only the port it gave counts.</param>
    public static async Task<ReadyPort?> WaitAsync(int root, int? expected, TimeSpan timeout, CancellationToken cancellationToken, bool slow = false,
        bool elsewhereCounts = true)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var pause = slow ? TimeSpan.FromMilliseconds(500) : TimeSpan.FromMilliseconds(2);
        // Every pause is time the new generation may already be serving unseen (behind the proxy, requests wait it out):
        // at most 5 ms, where 20 ms cost 10 ms per restart on average; a refused connect costs microseconds.
        var maxPause = slow ? TimeSpan.FromMilliseconds(500) : TimeSpan.FromMilliseconds(5);
        // Reading the tree costs a /proc walk (ms); a connect costs microseconds: observe less often when a port is expected.
        var observePause = slow ? TimeSpan.FromSeconds(2) : TimeSpan.FromMilliseconds(expected is null ? 5 : 50);
        var maxObservePause = slow ? TimeSpan.FromSeconds(2) : TimeSpan.FromMilliseconds(expected is null ? 400 : 250);
        var nextObservation = TimeSpan.Zero;
        TimeSpan? elsewhereSince = null;
        while (true)
        {
            if (expected is { } port && await ReadinessProbe.AcceptsAsync(port, cancellationToken).ConfigureAwait(false))
            {
                return new ReadyPort(port, null, Elsewhere: false);
            }

            if (clock.Elapsed >= nextObservation)
            {
                var listeners = TreePorts.ReadOrNone(root);
                if (expected is { } wanted && listeners.FirstOrDefault(l => l.Port == wanted) is { } onExpected)
                {
                    // Listening on an address loopback does not reach (a LAN IP) is ready all the same; else the
                    // connect decides, as when nothing was observed.
                    var accepts = await ReadinessProbe.AcceptsAsync(wanted, cancellationToken).ConfigureAwait(false);
                    return new ReadyPort(wanted, accepts ? null : onExpected, Elsewhere: false);
                }

                if ((expected is null || elsewhereCounts) && TreePorts.Pick(listeners) is { } seen)
                {
                    if (expected is null)
                    {
                        return new ReadyPort(seen.Port, seen, Elsewhere: false);
                    }

                    elsewhereSince ??= clock.Elapsed;
                    if (clock.Elapsed - elsewhereSince >= ElsewhereAfter || slow)
                    {
                        return new ReadyPort(seen.Port, seen, Elsewhere: true);
                    }
                }

                nextObservation = clock.Elapsed + observePause;
                observePause = TimeSpan.FromTicks(Math.Min(observePause.Ticks * 3 / 2, maxObservePause.Ticks));
            }

            if (timeout != Timeout.InfiniteTimeSpan && clock.Elapsed >= timeout)
            {
                return null;
            }

            await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 3 / 2, maxPause.Ticks));
        }
    }
}
