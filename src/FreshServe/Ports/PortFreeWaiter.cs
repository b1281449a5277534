using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace FreshServe.Ports;

/// <summary>
/// Proves a port is free before a worker starts: retries with backoff inside one overall time budget (Polly),
/// and on timeout names whoever still holds the port.
/// </summary>
public sealed class PortFreeWaiter
{
    private readonly ResiliencePipeline<bool> _pipeline;
    private readonly Func<int, bool> _isListening;

    public PortFreeWaiter(TimeSpan budget, Func<int, bool>? isListening = null, TimeProvider? time = null)
    {
        _isListening = isListening ?? PortListeners.IsListening;
        var builder = new ResiliencePipelineBuilder<bool>
        {
            TimeProvider = time ?? TimeProvider.System,
        };
        _pipeline = builder
            .AddTimeout(new TimeoutStrategyOptions { Timeout = budget })
            .AddRetry(new RetryStrategyOptions<bool>
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result is false),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                Delay = TimeSpan.FromMilliseconds(5),
                MaxDelay = TimeSpan.FromMilliseconds(250),
                MaxRetryAttempts = int.MaxValue,
            })
            .Build();
    }

    /// <summary>Returns true once the port is free, false when the budget ran out with it still held.</summary>
    public async Task<bool> WaitAsync(int port, CancellationToken cancellationToken)
    {
        try
        {
            return await _pipeline.ExecuteAsync(
                static (state, _) => ValueTask.FromResult(!state.Self._isListening(state.Port)),
                (Self: this, Port: port),
                cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException)
        {
            return false;
        }
    }
}
