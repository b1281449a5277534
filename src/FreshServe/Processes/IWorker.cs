namespace FreshServe.Processes;

/// <summary>Starts workers so that each one, with everything it spawns, can be stopped as one tree.</summary>
public interface IWorkerLauncher
{
    /// <exception cref="CommandStartException">The command could not be started at all.</exception>
    IWorker Start(ProcessSpec spec);
}

/// <summary>A started worker: its root process and every descendant.</summary>
public interface IWorker : IAsyncDisposable
{
    int Pid { get; }

    /// <summary>Completes with the exit code when the root process exits (128 + signal number when killed by a signal).</summary>
    Task<int> Exited { get; }

    /// <summary>
    /// Stops the whole tree: the graceful signal first, then a forceful kill of everything still alive after the
    /// policy's timeout. Completes when no process of the tree is left. Safe to call after the root exited.
    /// </summary>
    Task<StopOutcome> StopAsync(StopPolicy policy, CancellationToken forceNow = default);
}

/// <summary>What a stop took: <see cref="Forced"/> when the graceful signal was not enough.</summary>
public sealed record StopOutcome(TimeSpan Elapsed, bool Forced)
{
    /// <summary>False when the graceful request could not be sent at all (Windows: no console shared with the worker), so the tree was ended at once.</summary>
    public bool GracefulDelivered { get; init; } = true;
}

public sealed class CommandStartException(string message) : Exception(message);
