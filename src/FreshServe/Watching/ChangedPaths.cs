namespace FreshServe.Watching;

/// <summary>Changed paths as a user reads them: relative to the watch root, and capped.</summary>
public static class ChangedPaths
{
    public const int MaxListed = 3;

    /// <summary>
    /// Relative paths, those that still exist first: an atomic save's temp file (sed's "sedXXXXXX") is gone by now,
    /// and the file it replaced is what the user saved.
    /// </summary>
    public static IReadOnlyList<string> Relative(IReadOnlyList<string> fullPaths, IReadOnlyList<string> roots) =>
        fullPaths
            .OrderBy(path => path == ChangeSink.Unknown || Path.Exists(path) ? 0 : 1)
            .Select(path => path == ChangeSink.Unknown ? path : ToRelative(path, roots))
            .ToArray();

    /// <summary>How long the restart line may wait for a burst to name a file that exists.</summary>
    public static readonly TimeSpan SettleTime = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Describes the burst for the restart line, while the old worker is already being stopped: it lets the burst
    /// settle for up to <see cref="SettleTime"/> (or until quiet), then names the paths that still exist, so an atomic
    /// save is named after the saved file, not after its temp file (sed -i's "sedXXXXXX"). The stop is not delayed.
    /// </summary>
    public static async Task<string> DescribeBurstAsync(ChangeDebouncer changes, Task<IReadOnlyList<string>> quiet, IReadOnlyList<string> roots)
    {
        static bool Exists(string path) => path == ChangeSink.Unknown || Path.Exists(path);

        await Task.WhenAny(quiet, Task.Delay(SettleTime)).ConfigureAwait(false);

        var paths = quiet.IsCompletedSuccessfully ? quiet.Result : changes.Pending;
        if (paths.Count == 0)
        {
            // The quiet window took the burst just now, between the delay and the check: it is about to complete.
            paths = await quiet.ConfigureAwait(false);
        }

        var existing = paths.Where(Exists).ToArray();
        return Describe(Relative(existing.Length > 0 ? existing : paths, roots));
    }

    public static string Describe(IReadOnlyList<string> paths)
    {
        if (paths.Count == 0)
        {
            return "a file";
        }

        if (paths.Contains(ChangeSink.Unknown))
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
