namespace FreshServe.Watching;

/// <summary>
/// Reports changed files under the watch roots. Implementations: event-based (<see cref="EventFileWatcher"/>) and polling.
/// </summary>
public interface IFileWatcher : IDisposable
{
    /// <summary>
    /// Raised for each changed path (full path). A path of <see cref="ChangeSink.Unknown"/> means events were lost
    /// (buffer overflow, watcher error): the caller must treat it as "something changed".
    /// </summary>
    event Action<string>? Changed;

    void Start();
}

public static class ChangeSink
{
    /// <summary>Stands for "events were lost; assume anything changed".</summary>
    public const string Unknown = "*";
}
