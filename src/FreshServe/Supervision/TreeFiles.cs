using System.Runtime.Versioning;

namespace FreshServe.Supervision;

/// <summary>
/// What the worker tree's processes do with files, read from /proc (Linux only): the files they hold open for writing,
/// and the program each one runs.
/// </summary>
[SupportedOSPlatform("linux")]
internal static class TreeFiles
{
    /// <summary>The tree of <paramref name="rootPid"/> as it is now (its process group and every descendant).</summary>
    public static IReadOnlyList<int> Pids(int rootPid) => Processes.Unix.ProcessTable.GroupAndDescendants(rootPid);

    /// <summary>Regular files under one of <paramref name="roots"/> that one of <paramref name="pids"/> holds open for writing.</summary>
    public static IReadOnlyList<(string Path, int Pid)> OpenForWriting(IEnumerable<int> pids, IReadOnlyList<string> roots)
    {
        var found = new List<(string, int)>();
        foreach (var pid in pids)
        {
            try
            {
                foreach (var fd in Directory.EnumerateFiles($"/proc/{pid}/fd"))
                {
                    var target = new FileInfo(fd).LinkTarget;
                    if (target is null || !Under(target, roots))
                    {
                        continue;
                    }

                    if (IsOpenForWriting($"/proc/{pid}/fdinfo/{Path.GetFileName(fd)}"))
                    {
                        found.Add((target, pid));
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone, or another user's.
            }
        }

        return found;
    }

    /// <summary>
    /// The program <paramref name="pid"/> runs; ends with " (deleted)" when the file it was started from has been
    /// replaced since (it runs an old build). Null when it is gone or not ours.
    /// </summary>
    public static string? Executable(int pid)
    {
        try
        {
            return new FileInfo($"/proc/{pid}/exe").LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>fdinfo's "flags:" line is octal open(2) flags; the low two bits are the access mode.</summary>
    private static bool IsOpenForWriting(string fdinfo)
    {
        foreach (var line in File.ReadLines(fdinfo))
        {
            if (line.StartsWith("flags:", StringComparison.Ordinal))
            {
                var flags = Convert.ToInt32(line["flags:".Length..].Trim(), 8);
                return (flags & 3) is 1 or 2; // O_WRONLY, O_RDWR
            }
        }

        return false;
    }

    private static bool Under(string path, IReadOnlyList<string> roots) =>
        path.StartsWith('/') && roots.Any(root => path.StartsWith(root + "/", StringComparison.Ordinal));
}
