using FreshServe.Common;

namespace FreshServe.Ports;

/// <summary>
/// Proves a port is free before a worker starts: retries with backoff inside one overall time budget
/// (<see cref="BudgetedRetry"/>), and on timeout names whoever still holds the port.
/// </summary>
public sealed class PortFreeWaiter
{
    private readonly BudgetedRetry _retry;
    private readonly Func<int, bool> _isListening;

    public PortFreeWaiter(TimeSpan budget, Func<int, bool>? isListening = null, TimeProvider? time = null)
    {
        _isListening = isListening ?? PortListeners.IsListening;
        _retry = new BudgetedRetry(budget, TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(250), growth: 2, time);
    }

    /// <summary>Returns true once the port is free, false when the budget ran out with it still held.</summary>
    public Task<bool> WaitAsync(int port, CancellationToken cancellationToken) =>
        _retry.UntilAsync(static (state, _) => ValueTask.FromResult(!state.Self._isListening(state.Port)), (Self: this, Port: port),
            cancellationToken);
}
