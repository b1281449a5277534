using System.Runtime.Versioning;
using FreshServe.Processes.Unix;

namespace FreshServe.Supervision;

/// <summary>
/// What the worker tree's processes do with files (Linux only, read through <see cref="ProcessTable"/>): the files they
/// hold open for writing under the watched folders, and the program each one runs.
/// </summary>
[SupportedOSPlatform("linux")]
internal static class TreeFiles
{
    /// <summary>The tree of <paramref name="rootPid"/> as it is now (its process group and every descendant).</summary>
    public static IReadOnlyList<int> Pids(int rootPid) => ProcessTable.GroupAndDescendants(rootPid);

    /// <summary>Regular files under one of <paramref name="roots"/> that one of <paramref name="pids"/> holds open for writing.</summary>
    public static IReadOnlyList<(string Path, int Pid)> OpenForWriting(IEnumerable<int> pids, IReadOnlyList<string> roots) =>
        pids.SelectMany(pid => ProcessTable.Descriptors(pid)
                .Where(d => Under(d.Target, roots) && ProcessTable.IsOpenForWriting(pid, d.Fd))
                .Select(d => (d.Target, pid)))
            .ToList();

    /// <summary>
    /// The program <paramref name="pid"/> runs; ends with " (deleted)" when the file it was started from has been
    /// replaced since (it runs an old build). Null when it is gone or not ours.
    /// </summary>
    public static string? Executable(int pid) => ProcessTable.Executable(pid);

    private static bool Under(string path, IReadOnlyList<string> roots) =>
        path.StartsWith('/') && roots.Any(root => path.StartsWith(root + "/", StringComparison.Ordinal));
}
