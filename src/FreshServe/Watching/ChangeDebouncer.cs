namespace FreshServe.Watching;

/// <summary>
/// Turns a stream of changed paths into bursts. The restart loop awaits <see cref="WaitForChangeAsync"/> to begin
/// stopping the old worker at the first event, then <see cref="WaitForQuietAsync"/> before starting the new one, so
/// the debounce window overlaps the stop instead of adding to it. Changes to one path within a burst merge: a file that
/// appeared and went again (sed -i's temp file, renamed away) is no change at all, one deleted and created again is a
/// change.
/// <para>
/// The quiet window grows with the burst: a burst needs as much quiet as it has lasted so far, at least
/// <see cref="FirstWindow"/> and at most <see cref="Window"/>, and the whole window as soon as it holds more files
/// than one save touches. A single save (its few events arrive within a millisecond) is taken after 10 ms; a git
/// checkout or a sed -i over hundreds of files is taken whole once it has been quiet for the full window, even when
/// the writer was paused early on (a loaded machine).
/// </para>
/// </summary>
public sealed class ChangeDebouncer
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly List<string> _order = [];
    private readonly Dictionary<string, FileChange> _pending = new(StringComparer.Ordinal);
    private bool _open;
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

    /// <summary>The most quiet a burst needs (--debounce).</summary>
    public TimeSpan Window { get; }

    /// <summary>
    /// The quiet a burst that has only just begun needs. While polling, the whole window: a poller delivers a burst
    /// one scan at a time, 20 ms apart or more, and its interval dwarfs the window anyway.
    /// </summary>
    public TimeSpan FirstWindow => Window < DefaultFirstWindow || Polling() ? Window : DefaultFirstWindow;

    /// <summary>True while changes come from a poller.</summary>
    public Func<bool> Polling { get; set; } = static () => false;

    private static readonly TimeSpan DefaultFirstWindow = TimeSpan.FromMilliseconds(10);

    /// <summary>More files than one save touches: a bulk write (checkout, formatter, build), which gets the whole window at once.</summary>
    private const int SaveFiles = 3;

    /// <summary>A burst that never goes quiet (a log file rewritten every 100 ms) still restarts after this long.</summary>
    public TimeSpan MaxWait { get; }

    public void Post(FileChange change)
    {
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            if (!_open)
            {
                _firstPost = now;
                _open = true;
            }

            _lastPost = now;
            Merge(change);
            _changed.TrySetResult();
        }
    }

    /// <summary>Called under the gate.</summary>
    private void Merge(FileChange change)
    {
        // Lost events stand for every path: one is enough.
        var key = change.IsLost ? string.Empty : change.Path;
        if (!_pending.TryGetValue(key, out var earlier))
        {
            _pending[key] = change;
            _order.Add(key);
            return;
        }

        FileChange? merged = (earlier.Kind, change.Kind) switch
        {
            (ChangeKind.Created or ChangeKind.Renamed, ChangeKind.Deleted) => null, // came and went: nothing changed
            (ChangeKind.Deleted, ChangeKind.Created or ChangeKind.Renamed) => change with { Kind = ChangeKind.Changed },
            (ChangeKind.Created or ChangeKind.Renamed or ChangeKind.Lost, _) => earlier,
            _ => change,
        };
        if (merged is { } kept)
        {
            _pending[key] = kept;
        }
        else
        {
            _pending.Remove(key);
            _order.Remove(key);
        }
    }

    /// <summary>The changes of the burst so far, without taking them.</summary>
    public IReadOnlyList<FileChange> Pending
    {
        get
        {
            lock (_gate)
            {
                return _order.Select(key => _pending[key]).ToArray();
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

    /// <summary>
    /// Waits until no change arrived for the burst's window (see above), or <see cref="MaxWait"/> passed, then takes the burst.
    /// It may be empty when all it held came and went.
    /// </summary>
    /// <param name="wholeWindow">The whole window from the start: for a burst no one waits on (the server's own writes).</param>
    public async Task<IReadOnlyList<FileChange>> WaitForQuietAsync(CancellationToken cancellationToken, bool wholeWindow = false)
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
                var lasted = _time.GetElapsedTime(_firstPost, _lastPost);
                var window = wholeWindow || _order.Count > SaveFiles || lasted > Window || Unfinished() ? Window : lasted < FirstWindow ? FirstWindow : lasted;
                remaining = TimeSpan.FromTicks(Math.Min((window - quietFor).Ticks, (MaxWait - burstFor).Ticks));
                if (remaining <= TimeSpan.Zero)
                {
                    var burst = _order.Select(key => _pending[key]).ToArray();
                    _pending.Clear();
                    _order.Clear();
                    _open = false;
                    _changed = NewSignal();
                    return burst;
                }
            }

            await Task.Delay(remaining, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A save that looks unfinished (under the gate): only files that were not there before, or that are empty now.
    /// Most often that is a tool's temp file about to be renamed over the file it edits (sed -i writes sedXXXXXX
    /// first), or a file truncated by a writer that has yet to write it (a shell's &gt;, File.WriteAllText); on a loaded
    /// machine the rest can come more than the first window later. Such a burst gets the whole window, so the rest joins
    /// it and one restart serves the edit; any other edit keeps the short first window.
    /// </summary>
    private bool Unfinished() =>
        _order.Count > 0 && _order.All(key => _pending[key].Kind switch
        {
            ChangeKind.Created => true,
            ChangeKind.Changed => IsEmptyFile(key),
            _ => false,
        });

    private static bool IsEmptyFile(string path)
    {
        try
        {
            return new FileInfo(path) is { Exists: true, Length: 0 };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
