using System.Runtime.Versioning;
using FreshServe.Watching;

namespace FreshServe.Supervision;

/// <summary>
/// Tells the server's own writes from edits, on evidence rather than on timing (Linux, from /proc):
/// <list type="bullet">
/// <item>a file the worker tree holds open for writing, seen while it starts and when a burst arrives: the folder it
/// is in is the server's (next dev writes new names at every start), or the file itself when it lies directly in a
/// watch root (a log beside the sources says nothing about them);</item>
/// <item>a program the tree runs (/proc/PID/exe) that changed: <c>sh -c 'go build -o app . &amp;&amp; ./app'</c> already
/// serves the new build, and restarting would only build it again;</item>
/// <item>the outputs the command itself names (<c>go build -o X</c>).</item>
/// <item>a folder that gets new files (new names, not edits of existing ones) while each of two starts in a row is
/// under way, and alone restarted the first of them: a write too quick for /proc to catch (a cache file written at
/// import), repeated at every start. The first such restart happens; the second start is not disturbed.</item>
/// </list>
/// A burst made only of such writes restarts nothing; any other path in it restarts as an edit always does. Paths with
/// no evidence never wait: only a burst whose every path may be the server's is looked at closer.
/// </summary>
public sealed class ServerWrites
{
    /// <summary>
    /// When the tree's open files are first looked at after a start; each later look waits twice as long, until
    /// <see cref="SampleFor"/>: a write stream a server keeps (a log, next's trace) is still open then, and the
    /// whole-/proc walk each look costs stays off the busy first moments.
    /// </summary>
    public static readonly TimeSpan FirstSample = TimeSpan.FromMilliseconds(50);

    public static readonly TimeSpan SampleFor = TimeSpan.FromSeconds(7);

    /// <summary>
    /// How long a freshly built program may take to be started by the tree that built it, once that tree is past its
    /// start; while it is still starting (building, then running what it built) the wait lasts as long as the start.
    /// </summary>
    public static readonly TimeSpan AwaitRunning = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan ExecutableCheckEvery = TimeSpan.FromMilliseconds(20);

    private readonly IReadOnlyList<string> _roots;
    private readonly PathFilter _filter;
    private readonly HashSet<string> _ownOutput;
    private readonly Dictionary<string, string> _declared;
    private readonly Dictionary<string, string> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _folders = new(StringComparer.Ordinal);
    private readonly HashSet<string> _told = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private (int Root, IReadOnlyList<int> Pids) _tree = (0, []);
    private IReadOnlySet<string> _newDuringLastStart = new HashSet<string>();

    public ServerWrites(IReadOnlyList<string> roots, string workingDirectory, string command, IReadOnlyList<string> arguments,
        WatchOptions? watching = null)
    {
        _roots = roots.Select(r => Path.TrimEndingDirectorySeparator(Path.GetFullPath(r))).ToArray();
        _filter = new PathFilter(_roots, watching ?? new WatchOptions());
        _ownOutput = OwnOutputFiles.Find().ToHashSet(StringComparer.Ordinal);
        _declared = BuildOutputs.Of(command, arguments)
            .Select(output => Path.GetFullPath(output, workingDirectory))
            .Distinct(StringComparer.Ordinal)
            .ToDictionary(output => output, _ => "the command's go build -o writes it", StringComparer.Ordinal);
    }

    /// <summary>A judged path: its evidence, and what -x leaves it (or its folder) out.</summary>
    public sealed record Own(string Path, string Evidence, string Exclude, bool FirstTime);

    /// <summary>
    /// Looks at the files the tree of <paramref name="rootPid"/> holds open for writing now. With
    /// <paramref name="knownTree"/> it reads only the processes the last full look found (a few descriptor folders,
    /// well under a millisecond) instead of walking all of /proc: what a change on the restart's path can afford.
    /// </summary>
    [SupportedOSPlatform("linux")]
    public void Sample(int rootPid, bool knownTree = false)
    {
        IReadOnlyList<int> pids;
        lock (_gate)
        {
            pids = knownTree && _tree.Root == rootPid ? _tree.Pids : [];
        }

        if (pids.Count == 0)
        {
            pids = TreeFiles.Pids(rootPid);
            lock (_gate)
            {
                _tree = (rootPid, pids);
            }
        }

        foreach (var (path, pid) in TreeFiles.OpenForWriting(pids, _roots))
        {
            // Only a write that would be a change tells: a log kept open in src/ (ignored: *.log) says nothing about
            // the sources beside it, nor does freshserve's own output, which the server inherits.
            if (_ownOutput.Contains(path) || !_filter.Matters(path, isDirectory: false))
            {
                continue;
            }

            var folder = Path.GetDirectoryName(path);
            lock (_gate)
            {
                if (folder is null || _roots.Contains(folder, StringComparer.Ordinal))
                {
                    _files.TryAdd(path, $"pid {pid} holds it open for writing");
                }
                else
                {
                    _folders.TryAdd(folder, $"pid {pid} writes into it");
                }
            }
        }
    }

    /// <summary>
    /// Notes what caused a restart: the folders that got new files while the stopped generation was still
    /// <paramref name="starting"/>, when those alone caused it. Any other cause (an edit, a crash, key r, a burst
    /// after the start) breaks the run.
    /// </summary>
    public void Restarted(IReadOnlyList<FileChange> cause, bool starting)
    {
        var folders = starting ? NewFileFolders(cause) : null;
        lock (_gate)
        {
            _newDuringLastStart = folders ?? new HashSet<string>();
        }
    }

    /// <summary>
    /// While a generation is <paramref name="starting"/>: when <paramref name="pending"/> is only new files in folders
    /// that also got new files during the last start (which they alone restarted), those folders are the server's.
    /// </summary>
    public void RecognizeRepeatedStartWrites(IReadOnlyList<FileChange> pending, bool starting)
    {
        if (!starting || NewFileFolders(pending) is not { } folders)
        {
            return;
        }

        lock (_gate)
        {
            if (folders.All(_newDuringLastStart.Contains))
            {
                foreach (var folder in folders)
                {
                    _folders.TryAdd(folder, "new files appear in it while each start is under way");
                }
            }
        }
    }

    /// <summary>The folders (below a watch root) of <paramref name="changes"/> when every one is a new file; else null.</summary>
    private HashSet<string>? NewFileFolders(IReadOnlyList<FileChange> changes)
    {
        var folders = new HashSet<string>(StringComparer.Ordinal);
        foreach (var change in changes)
        {
            // A rename into place is how editors save (an edit); Created is a new name (or a folder).
            // A new folder counts as itself (its first files follow it into it).
            var folder = change.Kind != ChangeKind.Created ? null
                : Directory.Exists(change.Path) ? change.Path : Path.GetDirectoryName(change.Path);
            if (folder is null || !_roots.Any(root => folder.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
            {
                return null;
            }

            folders.Add(folder);
        }

        return folders.Count > 0 ? folders : null;
    }

    /// <summary>Samples while the server starts, until <paramref name="ready"/> (Linux; elsewhere nothing).</summary>
    public async Task SampleWhileStartingAsync(int rootPid, Func<bool> ready, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            // 50 ms, 100 ms, 200 ms... after the start: seven looks within 6.4 s.
            for (var (pause, waited) = (FirstSample, TimeSpan.Zero); waited + pause <= SampleFor && !ready(); (waited, pause) = (waited + pause, pause * 2))
            {
                await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
                Sample(rootPid);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Cheap, before any wait: false when nothing says <paramref name="path"/> could be the server's own write.</summary>
    public bool MayBeOwn(string path) => EvidenceFor(path) is not null || LooksLikeFreshProgram(path);

    /// <summary>
    /// Splits a quiet burst into the server's own writes and the rest. A changed program with no verdict yet is
    /// watched until the tree runs it (own) or is seen running its old copy (not): while the generation is still
    /// <paramref name="starting"/> (a build under load can take seconds between writing the program and running it), else
    /// for up to <see cref="AwaitRunning"/>.
    /// </summary>
    [SupportedOSPlatform("linux")]
    public async Task<(IReadOnlyList<FileChange> Others, IReadOnlyList<Own> Own)> JudgeAsync(IReadOnlyList<FileChange> burst, int rootPid,
        Func<bool> starting, CancellationToken cancellationToken)
    {
        Sample(rootPid);
        var others = new List<FileChange>();
        var own = new List<Own>();
        var programs = new List<FileChange>();
        foreach (var change in burst)
        {
            if (!change.IsLost && EvidenceFor(change.Path) is { } evidence)
            {
                own.Add(Judged(evidence.Text, evidence.Scope, evidence.IsFolder));
            }
            else if (!change.IsLost && LooksLikeFreshProgram(change.Path))
            {
                programs.Add(change);
            }
            else
            {
                others.Add(change);
            }
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        // With an edit in the burst the server restarts anyway: no need to look closer.
        while (programs.Count > 0 && others.Count == 0)
        {
            var running = TreeFiles.Pids(rootPid).Select(pid => (Pid: pid, Exe: TreeFiles.Executable(pid))).ToArray();
            foreach (var program in programs.ToArray())
            {
                if (running.FirstOrDefault(p => p.Exe == program.Path) is { Exe: not null } runner)
                {
                    own.Add(Judged($"pid {runner.Pid} already runs the new build", program.Path, isFolder: false));
                    programs.Remove(program);
                }
                else if (running.Any(p => p.Exe == program.Path + " (deleted)"))
                {
                    // The tree still runs the copy this one replaced: a build from outside, to be served.
                    others.Add(program);
                    programs.Remove(program);
                }
            }

            if (programs.Count == 0 || running.Length == 0 || (clock.Elapsed >= AwaitRunning && !starting()))
            {
                break;
            }

            await Task.Delay(ExecutableCheckEvery, cancellationToken).ConfigureAwait(false);
        }

        others.AddRange(programs);
        return (others, own);
    }

    /// <summary>A folder is named as one ("generated/", -x 'generated/**') even when the change was the folder itself.</summary>
    private Own Judged(string evidence, string scope, bool isFolder)
    {
        bool first;
        lock (_gate)
        {
            first = _told.Add(scope);
        }

        var relative = Relative(scope);
        return isFolder ? new Own(relative + "/", evidence, relative + "/**", first) : new Own(relative, evidence, relative, first);
    }

    private (string Text, string Scope, bool IsFolder)? EvidenceFor(string path)
    {
        lock (_gate)
        {
            if (_declared.TryGetValue(path, out var declared))
            {
                return (declared, path, false);
            }

            if (_files.TryGetValue(path, out var file))
            {
                return (file, path, false);
            }

            foreach (var (folder, evidence) in _folders)
            {
                if (path == folder || path.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                {
                    return (evidence, folder, true);
                }
            }

            return null;
        }
    }

    /// <summary>
    /// A compiled program (ELF, Mach-O or PE header), or an executable file still being written (a build's output is
    /// created empty first). A script is not one: an edit of it is an edit.
    /// </summary>
    private static bool LooksLikeFreshProgram(string path)
    {
        try
        {
            if (OperatingSystem.IsWindows() || !File.Exists(path)
                || (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) == 0)
            {
                return false;
            }

            Span<byte> head = stackalloc byte[4];
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var read = stream.ReadAtLeast(head, 4, throwOnEndOfStream: false);
            return read < 4
                || head.SequenceEqual("\u007fELF"u8)
                || head[..2].SequenceEqual("MZ"u8)
                || head.SequenceEqual(new byte[] { 0xcf, 0xfa, 0xed, 0xfe })
                || head.SequenceEqual(new byte[] { 0xca, 0xfe, 0xba, 0xbe });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private string Relative(string path)
    {
        foreach (var root in _roots)
        {
            if (path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                return Path.GetRelativePath(root, path).Replace('\\', '/');
            }
        }

        return path;
    }
}
