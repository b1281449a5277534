namespace FreshServe.Watching;

/// <summary>Changes as a user reads them: relative paths to the watch root, capped.</summary>
public static class ChangedPaths
{
    public const int MaxListed = 3;

    /// <summary>How lost events read in the restart line's list and in FRESHSERVE_CHANGED.</summary>
    public const string LostMarker = "*";

    /// <summary>Relative paths, deleted ones last: the files that are still there are what the user saved.</summary>
    public static IReadOnlyList<string> Relative(IReadOnlyList<FileChange> burst, IReadOnlyList<string> roots) =>
        burst
            .OrderBy(change => change.Kind == ChangeKind.Deleted ? 1 : 0)
            .Select(change => change.IsLost ? LostMarker : ToRelative(change.Path, roots))
            .ToArray();

    /// <summary>How long the restart line may wait for a burst to name the files it changed.</summary>
    public static readonly TimeSpan SettleTime = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Describes the burst for the restart line, while the old worker is already being stopped: it lets the burst
    /// settle for up to <see cref="SettleTime"/> (or until quiet), then names what it changed. A file that appeared and
    /// is gone again is left out (sed -i's "sedXXXXXX", renamed over the file the user saved): by the end of the burst
    /// it cancels out. The stop is not delayed.
    /// </summary>
    public static async Task<string> DescribeBurstAsync(ChangeDebouncer changes, Task<IReadOnlyList<FileChange>> quiet, IReadOnlyList<string> roots,
        TimeProvider? time = null)
    {
        await Task.WhenAny(quiet, Task.Delay(SettleTime, time ?? TimeProvider.System)).ConfigureAwait(false);

        var burst = quiet.IsCompletedSuccessfully ? quiet.Result : changes.Pending;
        if (burst.Count == 0)
        {
            // The quiet window took the burst just now, between the delay and the check: it is about to complete.
            burst = await quiet.ConfigureAwait(false);
        }

        return DescribeLasting(burst, roots);
    }

    /// <summary>Names what a burst changed, leaving out files that came and went (or are going: see <see cref="IsInFlight"/>).</summary>
    public static string DescribeLasting(IReadOnlyList<FileChange> burst, IReadOnlyList<string> roots) =>
        Describe(Relative(burst.Where(change => !IsInFlight(change)).ToArray(), roots));

    /// <summary>A path that appeared in this burst and is already gone: its removal is on its way and cancels it.</summary>
    public static bool IsInFlight(FileChange change) => change.Appeared && !Path.Exists(change.Path);

    public static string Describe(IReadOnlyList<string> paths)
    {
        if (paths.Count == 0)
        {
            return "a file";
        }

        if (paths.Contains(LostMarker))
        {
            return "something (events were lost)";
        }

        var listed = string.Join(", ", paths.Take(MaxListed));
        return paths.Count > MaxListed ? $"{listed} and {paths.Count - MaxListed} more" : listed;
    }

    private static string ToRelative(string path, IReadOnlyList<string> roots)
    {
        foreach (var root in roots)
        {
            var relative = Path.GetRelativePath(root, path);
            if (!relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relative))
            {
                return roots.Count == 1 ? relative : Path.Combine(Path.GetFileName(root.TrimEnd(Path.DirectorySeparatorChar)), relative);
            }
        }

        return path;
    }
}
