namespace FreshServe.Watching;

/// <summary>What to watch and how: globs, ignores, polling. Part of the validated settings.</summary>
public sealed record WatchOptions
{
    /// <summary>
    /// An edit is seen within one interval. A scan costs about 6 µs of CPU per kept file (measured: 5,000 kept files,
    /// ignored folders skipped, ~30 ms), so 500 ms costs ~6% of a core on such a tree and well under 1% on a typical
    /// project of a few hundred files, while keeping the wait close to what a user notices.
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
