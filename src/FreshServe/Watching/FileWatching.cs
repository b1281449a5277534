using FreshServe.Logging;
using Microsoft.Extensions.Logging;

namespace FreshServe.Watching;

/// <summary>
/// The watcher freshserve runs: file events when they work, polling when asked for or when events cannot be trusted
/// (the event watcher fails to start or reports an error, or a root is on a file system that delivers no events).
/// The switch is logged once, with its reason. It also notices a watch root that disappears, says so, and restarts
/// watching (and the server) when it comes back.
/// </summary>
public sealed class FileWatching : IFileWatcher
{
    private readonly IReadOnlyList<string> _roots;
    private readonly WatchOptions _options;
    private readonly PathFilter _filter;
    private readonly ILogger _log;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private IFileWatcher? _inner;
    private HashSet<string> _present = new(StringComparer.Ordinal);
    private Thread? _rootCheck;
    private bool _disposed;
    private int _replanPending;

    public FileWatching(IReadOnlyList<string> roots, WatchOptions options, ILogger log)
    {
        _roots = roots.Select(r => Path.TrimEndingDirectorySeparator(Path.GetFullPath(r))).ToArray();
        _options = options;
        _filter = new PathFilter(_roots, options);
        _log = log;
    }

    public event Action<FileChange>? Changed;

    /// <summary>True once watching is done by polling (asked for, or fallen back to).</summary>
    public bool IsPolling { get; private set; }

    /// <summary>Why polling is used, or null while file events are used.</summary>
    public string? PollingReason { get; private set; }

    public void Start()
    {
        lock (_gate)
        {
            _present = _roots.Where(Directory.Exists).ToHashSet(StringComparer.Ordinal);
            foreach (var root in _roots.Where(r => !_present.Contains(r)))
            {
                _log.WatchRootGone(root);
            }

            var reason = _options.ForcePollReason ?? NoEventsReason();
            if (reason is not null)
            {
                UsePolling(reason, lostEvents: false);
            }
            else
            {
                StartInner();
            }
        }

        var every = _options.PollInterval < TimeSpan.FromSeconds(1) ? _options.PollInterval : TimeSpan.FromSeconds(1);
        // Its own thread, asleep between checks: a thread-pool timer wakes a pool worker that spins before it sleeps
        // again, which alone cost 0.2-0.3 % of a core at two checks a second.
        _rootCheck = new Thread(() => CheckRootsEvery(every)) { IsBackground = true, Name = "freshserve root check" };
        _rootCheck.Start();
    }

    private string? NoEventsReason()
    {
        foreach (var root in _present)
        {
            if (FolderFileSystem.Of(root, _options.MountTable) is { NeedsPolling: true } fileSystem)
            {
                return fileSystem.PollingExplanation(root);
            }
        }

        return null;
    }

    private void StartInner()
    {
        var present = _roots.Where(_present.Contains).ToArray();
        if (IsPolling)
        {
            var poller = new PollingWatcher(present, _filter, _options.PollInterval, _options.StretchPollInterval);
            poller.Changed += Forward;
            poller.Start();
            _inner = poller;
            return;
        }

        var events = new EventFileWatcher(present, _filter);
        events.Changed += Forward;
        events.Failed += error => Task.Run(() => OnEventsFailed(error));
        events.IgnoreRulesChanged += ScheduleReplan;
        try
        {
            events.Start();
            _inner = events;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            events.Dispose();
            UsePolling($"file events could not start: {EventFileWatcher.Describe(e)}", lostEvents: false);
        }
    }

    private void OnEventsFailed(Exception error)
    {
        lock (_gate)
        {
            if (!_disposed && !IsPolling)
            {
                UsePolling($"the file event watcher failed: {EventFileWatcher.Describe(error)}", lostEvents: true);
            }
        }
    }

    /// <summary>Switches to polling for good. Called under the gate.</summary>
    private void UsePolling(string reason, bool lostEvents)
    {
        _inner?.Dispose();
        _inner = null;
        IsPolling = true;
        PollingReason = reason;
        if (reason == _options.ForcePollReason)
        {
            _log.Polling(reason, (long)_options.PollInterval.TotalMilliseconds);
        }
        else
        {
            _log.PollingInstead(reason, (long)_options.PollInterval.TotalMilliseconds);
        }

        StartInner();
        if (lostEvents)
        {
            Changed?.Invoke(FileChange.Lost);
        }
    }

    private void CheckRootsEvery(TimeSpan every)
    {
        try
        {
            while (!_stop.Token.WaitHandle.WaitOne(every))
            {
                CheckRoots();
            }
        }
        catch (ObjectDisposedException)
        {
            // Disposed while a check ran longer than Dispose waits for it: nothing is left to check.
        }
    }

    private void CheckRoots()
    {
        var present = _roots.Where(Directory.Exists).ToHashSet(StringComparer.Ordinal);
        List<string> back;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            if (present.SetEquals(_present))
            {
                if (_inner is EventFileWatcher { IsAlive: false })
                {
                    _log.EventsDied();
                    Replan();
                    Changed?.Invoke(FileChange.Lost);
                }

                return;
            }

            foreach (var gone in _present.Where(r => !present.Contains(r)))
            {
                _log.WatchRootGone(gone);
            }

            back = present.Where(r => !_present.Contains(r)).ToList();
            foreach (var root in back)
            {
                _log.WatchRootBack(root);
            }

            _present = present;
            _inner?.Dispose();
            _inner = null;
            StartInner();
        }

        foreach (var root in back)
        {
            Changed?.Invoke(new FileChange(root, ChangeKind.Created));
        }
    }

    private void Forward(FileChange change) => Changed?.Invoke(change);

    /// <summary>
    /// Plans the event watchers again after a .gitignore edit (a folder the old rules skipped has none), once for a
    /// burst of edits (git checkout), and not on the watcher's own event thread, which disposing it would stop.
    /// </summary>
    private void ScheduleReplan()
    {
        if (Interlocked.Exchange(ref _replanPending, 1) == 0)
        {
            Task.Run(() =>
            {
                Interlocked.Exchange(ref _replanPending, 0);
                Replan();
            });
        }
    }

    private void Replan()
    {
        lock (_gate)
        {
            if (_disposed || IsPolling || _inner is null)
            {
                return;
            }

            // The new watchers start before the old ones stop, so no change falls in between.
            var old = _inner;
            _inner = null;
            StartInner();
            old.Dispose();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _inner?.Dispose();
            _inner = null;
        }

        _stop.Cancel();
        if (_rootCheck is not null && _rootCheck != Thread.CurrentThread)
        {
            _rootCheck.Join(TimeSpan.FromSeconds(5));
        }

        _stop.Dispose();
    }
}
