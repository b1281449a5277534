namespace FreshServe.Watching;

/// <summary>What to watch and how: globs, ignores, polling. Part of the validated settings.</summary>
public sealed record WatchOptions
{
    /// <summary>
    /// Between two scans a polling watcher does nothing; a scan of a 5,000-file tree costs a few ms of CPU, so 500 ms
    /// keeps polling under 1% of a core while an edit is served within half a second plus the debounce.
    /// </summary>
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromMilliseconds(500);

    public IReadOnlyList<string> Include { get; init; } = [];
    public IReadOnlyList<string> Exclude { get; init; } = [];
    public bool DefaultIgnores { get; init; } = true;
    public bool GitIgnore { get; init; } = true;

    /// <summary>Why polling was asked for (--poll, FRESHSERVE_POLL=1), or null to use events when they work.</summary>
    public string? ForcePollReason { get; init; }

    public TimeSpan PollInterval { get; init; } = DefaultPollInterval;

    /// <summary>The mount table used to find file systems that deliver no events (a seam for tests).</summary>
    public string MountTable { get; init; } = "/proc/self/mountinfo";
}
