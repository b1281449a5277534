namespace FreshServe.Watching;

/// <summary>Event-based watching with <see cref="FileSystemWatcher"/>, one recursive watcher per root.</summary>
public sealed class EventFileWatcher : IFileWatcher
{
    private readonly IReadOnlyList<string> _roots;
    private readonly PathFilter _filter;
    private readonly List<FileSystemWatcher> _watchers = [];

    public EventFileWatcher(IReadOnlyList<string> roots, PathFilter filter)
    {
        _roots = roots;
        _filter = filter;
    }

    public event Action<string>? Changed;

    public void Start()
    {
        foreach (var root in _roots)
        {
            var watcher = new FileSystemWatcher(root)
            {
                IncludeSubdirectories = true,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
                InternalBufferSize = 64 * 1024,
            };
            watcher.Changed += (_, e) => Report(root, e.FullPath);
            watcher.Created += (_, e) => Report(root, e.FullPath);
            watcher.Deleted += (_, e) => Report(root, e.FullPath);
            watcher.Renamed += (_, e) =>
            {
                Report(root, e.OldFullPath);
                Report(root, e.FullPath);
            };
            watcher.Error += (_, _) => Changed?.Invoke(ChangeSink.Unknown);
            watcher.EnableRaisingEvents = true;
            _watchers.Add(watcher);
        }
    }

    private void Report(string root, string fullPath)
    {
        if (_filter.Matters(Path.GetRelativePath(root, fullPath)))
        {
            Changed?.Invoke(fullPath);
        }
    }

    public void Dispose()
    {
        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }
    }
}
