using FreshServe.Watching;

namespace FreshServe.Services;

/// <summary>
/// Sends each change the project's one watcher sees to the services that watch it, dependencies first: a service
/// that depends on another one the same change restarts gets the change once that one is ready again (or exited),
/// so a shared file never restarts a worker against an API that is still stopping. Restart requests (keys, the
/// control socket) follow the same order.
/// </summary>
public sealed class ChangeRouter(IReadOnlyList<ServiceRuntime> services, CancellationToken shutdown)
{
    private readonly Dictionary<string, ServiceRuntime> _byName = services.ToDictionary(s => s.Name, StringComparer.Ordinal);
    private readonly Lock _gate = new();

    // Per service, the last delivery still waiting: later ones queue behind it, so a service gets its changes in the
    // order they happened (an editor's temp file created, then renamed away, must not arrive as gone-then-created).
    private readonly Dictionary<string, Task> _queued = new(StringComparer.Ordinal);

    /// <summary>
    /// Runs the routing code once before the first save: the first call costs 30 ms and more of JIT compilation, spent in
    /// the watcher's callback between two events of one save, long enough for a burst's quiet window to close between
    /// sed -i's temp file and its rename. Delivers nothing.
    /// </summary>
    public void WarmUp()
    {
        foreach (var service in services)
        {
            foreach (var root in service.Settings.WatchRoots)
            {
                _ = service.Takes(new FileChange(Path.Combine(root, "freshserve-warm-up"), ChangeKind.Created));
                _ = service.Takes(new FileChange(Path.Combine(root, "freshserve-warm-up"), ChangeKind.Deleted));
            }

            _ = service.NextReadyOrExit();
            _ = DependsOn(service, service.Name);
            _ = Task.Run(() => DeliverAfterAsync(service, Task.CompletedTask, [(service, Task.CompletedTask)], static _ => { }), CancellationToken.None);
        }
    }

    public void Route(FileChange change) =>
        Deliver(services.Where(s => s.Takes(change)).ToList(), service => service.Changes.Post(change));

    /// <summary>Restarts these services (all of them for key r), each after those it depends on are ready again.</summary>
    public void Restart(IReadOnlyList<ServiceRuntime> chosen) => Deliver(chosen, service => service.Supervisor?.RequestRestart());

    /// <param name="takers">In the project's order, so dependencies come before their dependents.</param>
    private void Deliver(IReadOnlyList<ServiceRuntime> takers, Action<ServiceRuntime> deliver)
    {
        if (takers.Count == 0)
        {
            return;
        }

        // Read before anything is delivered: the next ready of each taker is the one this change brings.
        var nextReady = takers.ToDictionary(s => s.Name, s => s.NextReadyOrExit(), StringComparer.Ordinal);
        foreach (var service in takers)
        {
            var waits = takers.Where(other => other != service && DependsOn(service, other.Name)).Select(other => (other, nextReady[other.Name])).ToList();
            lock (_gate)
            {
                var queued = _queued.GetValueOrDefault(service.Name);
                if (waits.Count == 0 && (queued is null || queued.IsCompleted))
                {
                    deliver(service);
                    continue;
                }

                // Off the watcher's thread: what this costs must not stretch the gap between two events of one save.
                _queued[service.Name] = Task.Run(() => DeliverAfterAsync(service, queued, waits, deliver), CancellationToken.None);
            }
        }
    }

    private async Task DeliverAfterAsync(ServiceRuntime service, Task? queued, List<(ServiceRuntime Other, Task Ready)> waits, Action<ServiceRuntime> deliver)
    {
        try
        {
            if (queued is not null)
            {
                await queued.ConfigureAwait(false);
            }

            if (waits.Count > 0)
            {
                // Never forever: a dependency that hangs must not hold the edit back (one that skipped the restart, the
                // burst being its own write, says so at once: IGenerationObserver.KeptRunning).
                var limit = waits.Max(w => w.Other.Settings.ReadyTimeout);
                await Task.WhenAll(waits.Select(w => w.Ready)).WaitAsync(limit, shutdown).ConfigureAwait(false);
            }
        }
        catch (TimeoutException)
        {
        }
        catch (OperationCanceledException)
        {
            return;
        }

        deliver(service);
    }

    /// <summary>True when <paramref name="service"/> depends on <paramref name="name"/>, directly or through others.</summary>
    public bool DependsOn(ServiceRuntime service, string name)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(service.Plan.DependsOn);
        while (pending.TryPop(out var next))
        {
            if (next == name)
            {
                return true;
            }

            if (seen.Add(next) && _byName.TryGetValue(next, out var dependency))
            {
                foreach (var further in dependency.Plan.DependsOn)
                {
                    pending.Push(further);
                }
            }
        }

        return false;
    }
}
