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
