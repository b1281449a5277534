namespace FreshServe.Watching;

/// <summary>
/// Watching by comparing snapshots (size and last-write time of every kept file, and the set of kept folders) taken
/// every interval. Works on every file system; ignored folders are never entered. A missing root is an empty snapshot,
/// so a root that comes back shows up as its files being created.
/// </summary>
public sealed class PollingWatcher : IFileWatcher
{
    private static readonly EnumerationOptions Options = new()
    {
        IgnoreInaccessible = true,
        AttributesToSkip = FileAttributes.None,
        RecurseSubdirectories = false,
        ReturnSpecialDirectories = false,
    };

    private readonly IReadOnlyList<string> _roots;
    private readonly PathFilter _filter;
    private readonly CancellationTokenSource _stop = new();
    private Dictionary<string, Entry> _snapshot = new(StringComparer.Ordinal);
    private Task _loop = Task.CompletedTask;

    public PollingWatcher(IReadOnlyList<string> roots, PathFilter filter, TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        _roots = roots.Select(r => Path.TrimEndingDirectorySeparator(Path.GetFullPath(r))).ToArray();
        _filter = filter;
        Interval = interval;
    }

    public TimeSpan Interval { get; }

    public event Action<string>? Changed;

    /// <summary>Takes the first snapshot now, so any change after Start returns is reported.</summary>
    public void Start()
    {
        _snapshot = Scan();
        _loop = LoopAsync(_stop.Token);
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                var next = Scan();
                foreach (var path in Diff(_snapshot, next))
                {
                    Changed?.Invoke(path);
                }

                _snapshot = next;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static IEnumerable<string> Diff(Dictionary<string, Entry> before, Dictionary<string, Entry> after)
    {
        foreach (var (path, entry) in after)
        {
            if (!before.TryGetValue(path, out var old) || (!entry.IsDirectory && old != entry))
            {
                yield return path;
            }
        }

        foreach (var path in before.Keys)
        {
            if (!after.ContainsKey(path))
            {
                yield return path;
            }
        }
    }

    private Dictionary<string, Entry> Scan()
    {
        var snapshot = new Dictionary<string, Entry>(StringComparer.Ordinal);
        var pending = new Stack<string>(_roots);
        while (pending.Count > 0)
        {
            var folder = pending.Pop();
            IEnumerable<FileSystemInfo> entries;
            try
            {
                entries = new DirectoryInfo(folder).EnumerateFileSystemInfos("*", Options).ToArray();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            foreach (var info in entries)
            {
                if (info is DirectoryInfo directory)
                {
                    if ((directory.Attributes & FileAttributes.ReparsePoint) != 0 || _filter.SkipsFolder(directory.FullName))
                    {
                        continue;
                    }

                    pending.Push(directory.FullName);
                    if (_filter.Matters(directory.FullName, isDirectory: true))
                    {
                        snapshot[directory.FullName] = new Entry(true, 0, 0);
                    }
                }
                else if (info is FileInfo file && _filter.Matters(file.FullName, isDirectory: false))
                {
                    snapshot[file.FullName] = new Entry(false, file.Length, file.LastWriteTimeUtc.Ticks);
                }
            }
        }

        return snapshot;
    }

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
