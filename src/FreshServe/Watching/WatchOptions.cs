namespace FreshServe.Watching;

/// <summary>What to watch and how: globs, ignores, polling. Part of the validated settings.</summary>
public sealed record WatchOptions
{
    /// <summary>
    /// An edit is seen within one interval, close to what a user notices. On a tree so large that a scan every 500 ms
    /// would cost more than 2% of a core, the default interval stretches (<see cref="StretchPollInterval"/>); an
    /// interval the user gives is kept as given.
    /// </summary>
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// When not empty, only files matching these globs (or <see cref="Include"/>) count: --only, or the preset of a
    /// server that reloads its own sources (vite). Empty: every file that is not ignored.
    /// </summary>
    public IReadOnlyList<string> Only { get; init; } = [];

    /// <summary>Globs that add to what is watched (--include): they count even where <see cref="Only"/> or an ignore rule would drop them.</summary>
    public IReadOnlyList<string> Include { get; init; } = [];
    public IReadOnlyList<string> Exclude { get; init; } = [];
    public bool DefaultIgnores { get; init; } = true;
    public bool GitIgnore { get; init; } = true;

    /// <summary>Files whose changes never count (full paths): freshserve's own output files, see <see cref="OwnOutputFiles"/>.</summary>
    public IReadOnlyList<string> IgnoredFiles { get; init; } = [];

    /// <summary>Why polling was asked for (--poll, FRESHSERVE_POLL=1), or null to use events when they work.</summary>
    public string? ForcePollReason { get; init; }

    public TimeSpan PollInterval { get; init; } = DefaultPollInterval;

    /// <summary>True when <see cref="PollInterval"/> is the default, which may stretch on large trees to bound CPU use.</summary>
    public bool StretchPollInterval { get; init; }

    /// <summary>Linux: the mount table used to find file systems that deliver no events (a seam for tests).</summary>
    public string MountTable { get; init; } = Watching.MountTable.OwnMountInfo;
}
