using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace FreshServe.Common;

/// <summary>
/// The one way freshserve retries: an attempt runs until it returns true or a time budget runs out, pausing between
/// attempts from <c>firstPause</c>, each pause <c>growth</c> times the last, up to <c>maxPause</c>. Built on Polly (a
/// retry inside a timeout), with all time from one <see cref="TimeProvider"/> so tests can run it on a fake clock.
/// </summary>
public sealed class BudgetedRetry
{
    // Polly's timeout strategy accepts no shorter timeout.
    private static readonly TimeSpan ShortestBudget = TimeSpan.FromMilliseconds(10);
    private readonly ResiliencePipeline<bool> _pipeline;

    /// <param name="budget">How long to keep trying; <see cref="Timeout.InfiniteTimeSpan"/> for as long as the caller's token allows.</param>
    public BudgetedRetry(TimeSpan budget, TimeSpan firstPause, TimeSpan maxPause, double growth, TimeProvider? time = null)
    {
        var builder = new ResiliencePipelineBuilder<bool> { TimeProvider = time ?? TimeProvider.System };
        if (budget != Timeout.InfiniteTimeSpan)
        {
            builder.AddTimeout(new TimeoutStrategyOptions { Timeout = budget < ShortestBudget ? ShortestBudget : budget });
        }

        _pipeline = builder
            .AddRetry(new RetryStrategyOptions<bool>
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result is false),
                MaxRetryAttempts = int.MaxValue,
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(Pause(args.AttemptNumber, firstPause, maxPause, growth)),
            })
            .Build();
    }

    /// <summary>
    /// True once <paramref name="attempt"/> returns true; false when the budget ran out first (the token an attempt
    /// gets is cancelled then). Throws <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> fires.
    /// </summary>
    public async Task<bool> UntilAsync<TState>(Func<TState, CancellationToken, ValueTask<bool>> attempt, TState state,
        CancellationToken cancellationToken)
    {
        try
        {
            return await _pipeline.ExecuteAsync(static (s, token) => s.Attempt(s.State, token), (Attempt: attempt, State: state),
                cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException)
        {
            return false;
        }
    }

    /// <summary>The pause after attempt <paramref name="retry"/> + 1 (0: after the first), in whole milliseconds as timers wait.</summary>
    internal static TimeSpan Pause(int retry, TimeSpan firstPause, TimeSpan maxPause, double growth)
    {
        var ms = Math.Floor(firstPause.TotalMilliseconds * Math.Pow(growth, retry));
        return ms >= maxPause.TotalMilliseconds ? maxPause : TimeSpan.FromMilliseconds(ms);
    }
}
