namespace FreshServe.Watching;

/// <summary>
/// Reports changes under the watch roots. Implementations: event-based (<see cref="EventFileWatcher"/>) and polling
/// (<see cref="PollingWatcher"/>).
/// </summary>
public interface IFileWatcher : IDisposable
{
    /// <summary>
    /// Raised for each change (full path). A <see cref="ChangeKind.Lost"/> change means events were lost (buffer
    /// overflow, watcher error): the caller must treat it as "anything may have changed".
    /// </summary>
    event Action<FileChange>? Changed;

    void Start();
}

/// <summary>What happened to a path.</summary>
public enum ChangeKind
{
    /// <summary>It appeared (created, or a folder that came back).</summary>
    Created,

    /// <summary>Its content or size changed.</summary>
    Changed,

    /// <summary>It is gone (deleted, or renamed away: the new name comes as <see cref="Renamed"/>).</summary>
    Deleted,

    /// <summary>It appeared under this name by a rename (an atomic save's last step).</summary>
    Renamed,

    /// <summary>Events were lost: anything under the roots may have changed. The path says nothing.</summary>
    Lost,
}

/// <summary>One change a watcher saw. Anchors: dotnet-watch's ChangedPath(Path, ChangeKind), watchexec's event tags.</summary>
public readonly record struct FileChange(string Path, ChangeKind Kind)
{
    /// <summary>Events were lost: anything may have changed.</summary>
    public static FileChange Lost { get; } = new(string.Empty, ChangeKind.Lost);

    public bool IsLost => Kind == ChangeKind.Lost;

    /// <summary>True when the change made the path appear (created, or renamed into place).</summary>
    public bool Appeared => Kind is ChangeKind.Created or ChangeKind.Renamed;
}
