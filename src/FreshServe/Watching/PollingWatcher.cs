namespace FreshServe.Watching;

/// <summary>
/// Watching by comparing snapshots (size and last-write time of every kept file, and the set of kept folders) taken
/// every interval. Works on every file system; ignored folders are never entered. A missing root is an empty snapshot,
/// so a root that comes back shows up as its files being created.
/// </summary>
/// <remarks>
/// Cost is one stat per kept file per scan, so two things keep it down: the filter's verdict on a path is remembered
/// from one scan to the next (cleared when a .gitignore changes), and with <c>stretch</c> the pause after a scan grows
/// so that scanning takes at most 1/<see cref="MaxDutyFactor"/> of a core on a large tree.
/// </remarks>
public sealed class PollingWatcher : IFileWatcher
{
    private static readonly EnumerationOptions Options = new()
    {
        IgnoreInaccessible = true,
        AttributesToSkip = FileAttributes.None,
        RecurseSubdirectories = false,
        ReturnSpecialDirectories = false,
    };

    /// <summary>With stretching, the pause after a scan is at least this many times the scan's duration.</summary>
    public const int MaxDutyFactor = 50;

    /// <summary>The pause between scans while a burst of changes goes on: well inside the default debounce window.</summary>
    public static readonly TimeSpan BurstRescanPause = TimeSpan.FromMilliseconds(20);

    /// <summary>How long scans follow a burst closely before going back to the interval.</summary>
    public static readonly TimeSpan MaxBurstRescanning = TimeSpan.FromSeconds(5);

    private readonly IReadOnlyList<string> _roots;
    private readonly PathFilter _filter;
    private readonly bool _stretch;
    private readonly CancellationTokenSource _stop = new();
    private Dictionary<string, Entry> _snapshot = new(StringComparer.Ordinal);
    private HashSet<string> _ignored = new(StringComparer.Ordinal);

    // The .gitignore files as of the snapshot, and as the latest scan found them: kept even when no --include
    // selects them, since their edits change what is ignored.
    private Dictionary<string, Entry> _ignoreFiles = new(StringComparer.Ordinal);
    private Dictionary<string, Entry> _nextIgnoreFiles = new(StringComparer.Ordinal);
    private Task _loop = Task.CompletedTask;

    /// <param name="stretch">Lengthen the pause on trees so large that scanning every interval would cost too much CPU.</param>
    public PollingWatcher(IReadOnlyList<string> roots, PathFilter filter, TimeSpan interval, bool stretch = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        _roots = roots.Select(r => Path.TrimEndingDirectorySeparator(Path.GetFullPath(r))).ToArray();
        _filter = filter;
        _stretch = stretch;
        Interval = interval;
    }

    public TimeSpan Interval { get; }

    /// <summary>How long the last scan took.</summary>
    public TimeSpan LastScan { get; private set; }

    public event Action<FileChange>? Changed;

    /// <summary>Takes the first snapshot now, so any change after Start returns is reported.</summary>
    public void Start()
    {
        _snapshot = Scan();
        _ignoreFiles = _nextIgnoreFiles;
        _loop = LoopAsync(_stop.Token);
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        TimeSpan? burstStart = null;
        var lastChange = TimeSpan.Zero;
        try
        {
            while (true)
            {
                // A scan that lands inside a burst (git checkout) sees only its first part: scan again soon while it
                // goes on, so the rest arrives within the debounce window instead of one interval later (a second
                // restart). Bounded in time, and scanning at most half the time, for a file rewritten without end.
                var now = clock.Elapsed;
                var inBurst = burstStart is { } start && now - lastChange < Interval && now - start < MaxBurstRescanning;
                var pause = inBurst
                    ? TimeSpan.FromTicks(Math.Max(Math.Min(BurstRescanPause.Ticks, Interval.Ticks), LastScan.Ticks))
                    : PauseAfter(Interval, LastScan, _stretch);
                await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
                var next = Scan();
                var changed = Diff(_snapshot, next).ToList();
                if (changed.Count > 0)
                {
                    lastChange = clock.Elapsed;
                    burstStart ??= lastChange;
                }
                else if (clock.Elapsed - lastChange >= Interval)
                {
                    burstStart = null;
                }

                _snapshot = next;
                var rulesChanged = Diff(_ignoreFiles, _nextIgnoreFiles).Count(change => _filter.ForgetIgnoreFile(change.Path)) > 0;
                _ignoreFiles = _nextIgnoreFiles;
                if (rulesChanged)
                {
                    // The filter's verdicts may have changed with the ignore rules: judge every path again.
                    _snapshot = new Dictionary<string, Entry>(StringComparer.Ordinal);
                    _ignored.Clear();
                    _snapshot = Scan();
                    _ignoreFiles = _nextIgnoreFiles;
                }

                foreach (var change in changed)
                {
                    Changed?.Invoke(change);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The pause before the next scan: the interval, or with stretching long enough that scanning stays a small duty.</summary>
    public static TimeSpan PauseAfter(TimeSpan interval, TimeSpan lastScan, bool stretch) =>
        stretch ? TimeSpan.FromTicks(Math.Max(interval.Ticks, lastScan.Ticks * MaxDutyFactor)) : interval;

    private static IEnumerable<FileChange> Diff(Dictionary<string, Entry> before, Dictionary<string, Entry> after)
    {
        foreach (var (path, entry) in after)
        {
            if (!before.TryGetValue(path, out var old))
            {
                yield return new FileChange(path, ChangeKind.Created);
            }
            else if (!entry.IsDirectory && old != entry)
            {
                yield return new FileChange(path, ChangeKind.Changed);
            }
        }

        foreach (var path in before.Keys)
        {
            if (!after.ContainsKey(path))
            {
                yield return new FileChange(path, ChangeKind.Deleted);
            }
        }
    }

    private Dictionary<string, Entry> Scan()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var previous = _snapshot;
        var snapshot = new Dictionary<string, Entry>(previous.Count, StringComparer.Ordinal);
        var ignored = new HashSet<string>(StringComparer.Ordinal);
        var ignoreFiles = new Dictionary<string, Entry>(StringComparer.Ordinal);
        var pending = new Stack<string>(_roots);
        while (pending.Count > 0)
        {
            var folder = pending.Pop();
            List<Found> entries;
            try
            {
                entries = [.. new System.IO.Enumeration.FileSystemEnumerable<Found>(folder,
                    (ref System.IO.Enumeration.FileSystemEntry e) => new Found(
                        e.ToFullPath(), e.IsDirectory, (e.Attributes & FileAttributes.ReparsePoint) != 0,
                        e.IsDirectory ? 0 : e.Length, e.IsDirectory ? 0 : e.LastWriteTimeUtc.UtcTicks), Options)];
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            foreach (var found in entries)
            {
                // A path kept or ignored last time gets the same verdict without asking the filter again (an edited
                // ignore file clears these verdicts).
                var entry = new Entry(found.IsDirectory, found.Length, found.LastWriteTicks);
                var known = previous.ContainsKey(found.Path) ? true : _ignored.Contains(found.Path) ? false : (bool?)null;
                if (!found.IsDirectory && PathFilter.IsIgnoreFile(found.Path))
                {
                    ignoreFiles[found.Path] = entry;
                }

                if (found.IsDirectory && !found.IsLink)
                {
                    if (_filter.SkipsFolder(found.Path))
                    {
                        continue;
                    }

                    pending.Push(found.Path);
                    if (known ?? _filter.Matters(found.Path, isDirectory: true))
                    {
                        snapshot[found.Path] = entry;
                    }
                    else
                    {
                        ignored.Add(found.Path);
                    }
                }
                else if (known ?? _filter.Matters(found.Path, isDirectory: false))
                {
                    snapshot[found.Path] = entry;
                }
                else
                {
                    ignored.Add(found.Path);
                }
            }
        }

        _ignored = ignored;
        _nextIgnoreFiles = ignoreFiles;
        LastScan = clock.Elapsed;
        return snapshot;
    }

    private readonly record struct Found(string Path, bool IsDirectory, bool IsLink, long Length, long LastWriteTicks);

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }

        _stop.Dispose();
    }

    private readonly record struct Entry(bool IsDirectory, long Length, long LastWriteTicks);
}
