using System.Collections.Concurrent;

namespace FreshServe.Watching;

/// <summary>
/// Event-based watching with <see cref="FileSystemWatcher"/>. On Linux a recursive watcher puts an inotify watch on
/// every folder below it, ignored ones included, while each watcher instance costs an inotify instance and a thread
/// (max_user_instances is 128 by default). So the plan is: a recursive watcher for each folder whose subtree holds no
/// ignored folder, and a non-recursive one for the folders on the way down to ignored ones. Ignored folders cost
/// nothing. Past <see cref="MaxWatchers"/> instances it settles for one recursive watcher per root.
/// </summary>
public sealed class EventFileWatcher : IFileWatcher
{
    public const int MaxWatchers = 32;

    private readonly IReadOnlyList<string> _roots;
    private readonly PathFilter _filter;
    private readonly ConcurrentDictionary<string, FileSystemWatcher> _watchers = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    // The inotify descriptor of each watcher, where it could be told (Linux, one descriptor per watcher).
    private readonly Dictionary<string, int> _descriptors = new(StringComparer.Ordinal);
    private bool _disposed;

    public EventFileWatcher(IReadOnlyList<string> roots, PathFilter filter)
    {
        _roots = roots.Select(r => Path.TrimEndingDirectorySeparator(Path.GetFullPath(r))).ToArray();
        _filter = filter;
    }

    public event Action<FileChange>? Changed;

    /// <summary>Raised when the watcher stopped working (not for a buffer overflow, which is reported as a change).</summary>
    public event Action<Exception>? Failed;

    /// <summary>Raised when a .gitignore changed: folders it skipped or keeps now may need watchers of their own.</summary>
    public event Action? IgnoreRulesChanged;

    /// <summary>The folders watched, and whether recursively.</summary>
    public IReadOnlyDictionary<string, bool> Watched =>
        _watchers.ToDictionary(w => w.Key, w => w.Value.IncludeSubdirectories, StringComparer.Ordinal);

    /// <summary>Starts watching; throws (IOException, typically) when the system refuses a watch.</summary>
    public void Start()
    {
        foreach (var root in _roots)
        {
            var plan = new List<(string Folder, bool Recursive)>();
            if (OperatingSystem.IsLinux())
            {
                PlanFolder(root, plan);
            }

            // Elsewhere one recursive watcher is one handle whatever the tree holds (Windows, macOS).
            if (plan.Count == 0 || plan.Count > MaxWatchers)
            {
                plan = [(root, true)];
            }

            foreach (var (folder, recursive) in plan)
            {
                Add(folder, recursive);
            }
        }
    }

    private void PlanFolder(string folder, List<(string Folder, bool Recursive)> plan)
    {
        if (!HoldsSkippedFolder(folder))
        {
            plan.Add((folder, true));
            return;
        }

        plan.Add((folder, false));
        foreach (var child in KeptSubfolders(folder))
        {
            PlanFolder(child, plan);
        }
    }

    private bool HoldsSkippedFolder(string folder)
    {
        foreach (var child in SafeSubfolders(folder))
        {
            if (_filter.SkipsFolder(child) || HoldsSkippedFolder(child))
            {
                return true;
            }
        }

        return false;
    }

    private IEnumerable<string> KeptSubfolders(string folder) => SafeSubfolders(folder).Where(child => !_filter.SkipsFolder(child));

    private static IEnumerable<string> SafeSubfolders(string folder)
    {
        try
        {
            return Directory.EnumerateDirectories(folder, "*", new EnumerationOptions
            {
                IgnoreInaccessible = true,
                AttributesToSkip = FileAttributes.ReparsePoint,
            }).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private void Add(string folder, bool recursive)
    {
        lock (_gate)
        {
            if (_disposed || _watchers.ContainsKey(folder))
            {
                return;
            }

            var watcher = new FileSystemWatcher(folder)
            {
                IncludeSubdirectories = recursive,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
                InternalBufferSize = 64 * 1024,
            };
            watcher.Changed += (_, e) => Report(e.FullPath, ChangeKind.Changed);
            watcher.Created += (_, e) => Report(e.FullPath, ChangeKind.Created);
            watcher.Deleted += (_, e) => Deleted(e.FullPath);
            watcher.Renamed += (_, e) =>
            {
                // The new name first: after an atomic save it is the file the user saved, the old one a temp file.
                Report(e.FullPath, ChangeKind.Renamed);
                Deleted(e.OldFullPath);
            };
            watcher.Error += (_, e) => OnError(e.GetException());
            var before = InotifyDescriptors();
            try
            {
                watcher.EnableRaisingEvents = true;
            }
            catch
            {
                watcher.Dispose();
                throw;
            }

            _watchers[folder] = watcher;
            var added = InotifyDescriptors().Except(before).ToArray();
            if (added.Length == 1)
            {
                _descriptors[folder] = added[0];
            }
        }
    }

    private void Report(string fullPath, ChangeKind kind)
    {
        var created = kind != ChangeKind.Changed;
        NoticeIgnoreFile(fullPath);
        // A symlink counts as a file, whatever it points to: linked folders are not followed, as when polling.
        var isLink = new FileInfo(fullPath).LinkTarget is not null;
        var isDirectory = !isLink && Directory.Exists(fullPath);
        if (!isLink && !isDirectory && !File.Exists(fullPath))
        {
            // Gone already (an editor's temp file, renamed over the real one): the rename or delete that took it
            // away is reported by its own event. That it appeared is still said, so that the two cancel out: a file
            // that came and went within a burst changed nothing.
            if (created && _filter.MattersGone(fullPath))
            {
                Changed?.Invoke(new FileChange(fullPath, kind));
            }

            return;
        }

        if (isDirectory && created && !_filter.SkipsFolder(fullPath))
        {
            try
            {
                if (OperatingSystem.IsLinux() && IsUnderFlatWatcher(fullPath))
                {
                    // A folder created beside flat watchers needs watchers of its own.
                    var plan = new List<(string Folder, bool Recursive)>();
                    PlanFolder(fullPath, plan);
                    foreach (var (folder, recursive) in plan)
                    {
                        Add(folder, recursive);
                    }
                }

                // Files written into a new folder before its watch was set (mkdir -p a/b && echo > a/b/c) make no
                // event: find them. A recursive watcher has set the watch by the time it reports the folder.
                ReportFilesIn(fullPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                OnError(e);
                return;
            }
        }

        if (_filter.Matters(fullPath, isDirectory))
        {
            Changed?.Invoke(new FileChange(fullPath, kind));
        }
    }

    private void Deleted(string fullPath)
    {
        NoticeIgnoreFile(fullPath);
        if (_watchers.TryRemove(fullPath, out var gone))
        {
            foreach (var below in _watchers.Keys.Where(k => k.StartsWith(fullPath + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
            {
                if (_watchers.TryRemove(below, out var watcher))
                {
                    Forget(below);
                    watcher.Dispose();
                }
            }

            Forget(fullPath);
            gone.Dispose();
        }

        if (_filter.MattersGone(fullPath))
        {
            Changed?.Invoke(new FileChange(fullPath, ChangeKind.Deleted));
        }
    }

    /// <summary>Takes in an edited ignore file, whether or not its edit is a change that matters (-i '*.py').</summary>
    private void NoticeIgnoreFile(string fullPath)
    {
        if (PathFilter.IsIgnoreFile(fullPath) && _filter.ForgetIgnoreFile(fullPath))
        {
            IgnoreRulesChanged?.Invoke();
        }
    }

    private void ReportFilesIn(string folder)
    {
        var pending = new Stack<string>([folder]);
        while (pending.Count > 0)
        {
            var current = pending.Pop();
            foreach (var file in Directory.EnumerateFiles(current))
            {
                if (_filter.Matters(file, isDirectory: false))
                {
                    Changed?.Invoke(new FileChange(file, ChangeKind.Created));
                }
            }

            foreach (var child in KeptSubfolders(current))
            {
                pending.Push(child);
            }
        }
    }

    private bool IsUnderFlatWatcher(string fullPath)
    {
        var parent = Path.GetDirectoryName(fullPath);
        return parent is not null && _watchers.TryGetValue(parent, out var watcher) && !watcher.IncludeSubdirectories;
    }

    private void Forget(string folder)
    {
        lock (_gate)
        {
            _descriptors.Remove(folder);
        }
    }

    /// <summary>
    /// False once a watcher stopped without a word: on .NET 10 a recursive watcher's thread exits, closing its inotify
    /// descriptor and raising no error, when a folder moves out of the tree just before another change
    /// (dotnet/runtime#133420). Its closed descriptor tells.
    /// </summary>
    public bool IsAlive
    {
        get
        {
            lock (_gate)
            {
                return _disposed || _descriptors.Count == 0 || _descriptors.Values.All(IsInotify);
            }
        }
    }

    private static bool IsInotify(int descriptor) =>
        OperatingSystem.IsLinux() && Processes.Unix.ProcessTable.DescriptorTarget(Environment.ProcessId, descriptor) == "anon_inode:inotify";

    private static HashSet<int> InotifyDescriptors() =>
        OperatingSystem.IsLinux()
            ? Processes.Unix.ProcessTable.Descriptors(Environment.ProcessId)
                .Where(d => d.Target == "anon_inode:inotify")
                .Select(d => int.Parse(d.Fd, System.Globalization.CultureInfo.InvariantCulture))
                .ToHashSet()
            : [];

    /// <summary>Says what went wrong in words a user can act on (the runtime's own messages are resource keys here).</summary>
    public static string Describe(Exception error) => error.Message switch
    {
        var m when m.Contains("INotifyInstance", StringComparison.OrdinalIgnoreCase) || m.Contains("inotify instances", StringComparison.OrdinalIgnoreCase) =>
            "the inotify instance limit is used up (raise fs.inotify.max_user_instances)",
        var m when m.Contains("INotifyWatches", StringComparison.OrdinalIgnoreCase) || m.Contains("inotify watches", StringComparison.OrdinalIgnoreCase) =>
            "the inotify watch limit is used up (raise fs.inotify.max_user_watches)",
        var m => $"{error.GetType().Name}: {m}",
    };

    private void OnError(Exception error)
    {
        if (error is InternalBufferOverflowException)
        {
            Changed?.Invoke(FileChange.Lost);
        }
        else
        {
            Failed?.Invoke(error);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        foreach (var watcher in _watchers.Values)
        {
            watcher.Dispose();
        }

        _watchers.Clear();
        lock (_gate)
        {
            _descriptors.Clear();
        }
    }
}
