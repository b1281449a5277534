namespace FreshServe.Watching;

/// <summary>
/// Turns a stream of changed paths into bursts. The restart loop awaits <see cref="WaitForChangeAsync"/> to begin
/// stopping the old worker at the first event, then <see cref="WaitForQuietAsync"/> before starting the new one, so
/// the debounce window overlaps the stop instead of adding to it.
/// </summary>
public sealed class ChangeDebouncer
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly List<string> _pending = [];
    private readonly HashSet<string> _pendingSet = new(StringComparer.Ordinal);
    private TaskCompletionSource _changed = NewSignal();
    private long _firstPost;
    private long _lastPost;

    public ChangeDebouncer(TimeSpan window, TimeSpan maxWait, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, TimeSpan.Zero);
        Window = window;
        MaxWait = maxWait < window ? window : maxWait;
        _time = time ?? TimeProvider.System;
    }

    public TimeSpan Window { get; }

    /// <summary>A burst that never goes quiet (a log file rewritten every 100 ms) still restarts after this long.</summary>
    public TimeSpan MaxWait { get; }

    public void Post(string path)
    {
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            if (_pending.Count == 0)
            {
                _firstPost = now;
            }

            _lastPost = now;
            if (_pendingSet.Add(path))
            {
                _pending.Add(path);
            }

            _changed.TrySetResult();
        }
    }

    /// <summary>The paths of the burst so far, without taking them.</summary>
    public IReadOnlyList<string> Pending
    {
        get
        {
            lock (_gate)
            {
                return _pending.ToArray();
            }
        }
    }

    /// <summary>Completes as soon as at least one change is pending.</summary>
    public Task WaitForChangeAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return _changed.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Waits until no change arrived for <see cref="Window"/> (or <see cref="MaxWait"/> passed), then takes the burst.</summary>
    public async Task<IReadOnlyList<string>> WaitForQuietAsync(CancellationToken cancellationToken)
    {
        await WaitForChangeAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            TimeSpan remaining;
            lock (_gate)
            {
                var now = _time.GetTimestamp();
                var quietFor = _time.GetElapsedTime(_lastPost, now);
                var burstFor = _time.GetElapsedTime(_firstPost, now);
                remaining = TimeSpan.FromTicks(Math.Min((Window - quietFor).Ticks, (MaxWait - burstFor).Ticks));
                if (remaining <= TimeSpan.Zero)
                {
                    var burst = _pending.ToArray();
                    _pending.Clear();
                    _pendingSet.Clear();
                    _changed = NewSignal();
                    return burst;
                }
            }

            await Task.Delay(remaining, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
