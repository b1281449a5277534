using FreshServe.Supervision;

namespace FreshServe.Proxy;

/// <summary>Where proxied requests may go: the ready generation's port, or nowhere (then requests wait).</summary>
public sealed record Upstream(int Generation, int Port);

public enum WorkerPhase
{
    Starting,
    Ready,
    Restarting,
    Exited,
}

public sealed record GenerationState(WorkerPhase Phase, int Generation);

/// <summary>
/// The proxy's view of the restart loop. Requests ask for an upstream newer than the one that failed them; they wait
/// while a generation starts or restarts, and get none once the worker has exited by itself. The old generation is
/// dropped the moment a restart begins, so nothing is sent to it after the new one is ready.
/// </summary>
public sealed class GenerationGate : IGenerationObserver
{
    private readonly Lock _lock = new();
    private Upstream? _ready;
    private GenerationState _state = new(WorkerPhase.Starting, 0);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The current state and a task that completes when it next changes.</summary>
    public (GenerationState State, Task Changed) Snapshot()
    {
        lock (_lock)
        {
            return (_state, _changed.Task);
        }
    }

    /// <summary>
    /// The ready upstream with a generation above <paramref name="newerThan"/>, waiting for one if needed; null when the
    /// worker has exited by itself (nothing will be ready until the next change).
    /// </summary>
    public async Task<Upstream?> WaitForUpstreamAsync(int newerThan, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                if (_ready is { } ready && ready.Generation > newerThan)
                {
                    return ready;
                }

                if (_state.Phase == WorkerPhase.Exited)
                {
                    return null;
                }

                changed = _changed.Task;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>True once a restart has begun for <paramref name="generation"/> or a newer one exists: it is being stopped.</summary>
    public bool IsRetired(int generation)
    {
        lock (_lock)
        {
            return _state.Generation > generation || (_state.Generation == generation && _state.Phase == WorkerPhase.Restarting);
        }
    }

    public void Restarting(int generation) => Set(null, new GenerationState(WorkerPhase.Restarting, generation));

    /// <summary>
    /// Routes to this generation from now on, unless it is already superseded: a generation that is restarting or has
    /// exited (or an older one) is never routed to again, however late its readiness check answers.
    /// </summary>
    public void Ready(int generation, int port)
    {
        lock (_lock)
        {
            if (_state.Generation > generation || (_state.Generation == generation && _state.Phase is WorkerPhase.Restarting or WorkerPhase.Exited))
            {
                return;
            }
        }

        Set(new Upstream(generation, port), new GenerationState(WorkerPhase.Ready, generation));
    }

    public void Exited(int generation, int exitCode) => Set(null, new GenerationState(WorkerPhase.Exited, generation));

    private void Set(Upstream? ready, GenerationState state)
    {
        TaskCompletionSource previous;
        lock (_lock)
        {
            _ready = ready;
            _state = state;
            previous = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        previous.TrySetResult();
    }
}
