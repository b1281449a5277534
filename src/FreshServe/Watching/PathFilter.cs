using Microsoft.Extensions.FileSystemGlobbing;

namespace FreshServe.Watching;

/// <summary>
/// Decides which paths matter: default ignores (VCS folders, dependencies, caches, framework and build output, logs,
/// databases, editor temp files), .gitignore, then the globs: --only narrows what is watched, --include adds to it
/// (also past the ignores), --exclude takes out. Folders it ignores are never scanned nor watched.
/// </summary>
public sealed class PathFilter
{
    /// <summary>
    /// Folders no dev server reads its code from: version control, dependencies, caches, and what frameworks and
    /// builds write (next dev rewrites .next at every start, cargo run writes target). Watching them restarts the
    /// server on its own writes.
    /// </summary>
    public static readonly IReadOnlySet<string> DefaultIgnoredFolders = new HashSet<string>(StringComparer.Ordinal)
    {
        ".git", ".hg", ".svn", "node_modules", "bin", "obj", ".venv", "venv", "__pycache__",
        ".pytest_cache", ".mypy_cache", ".ruff_cache", ".tox", ".nox", ".hypothesis", "htmlcov", ".idea", ".vs",
        ".next", ".nuxt", ".svelte-kit", ".output", ".turbo", ".parcel-cache", ".angular", ".astro", ".vercel",
        "target", "coverage", ".nyc_output",
    };

    /// <summary>
    /// File names a server writes while it runs (logs, pid files, SQLite databases and their journals, tsc's build
    /// info) or an editor leaves behind (swap, backup and lock files), and compiled Python.
    /// </summary>
    public static readonly IReadOnlyList<string> DefaultIgnoredFileEndings =
    [
        ".pyc", ".swp", "~", ".log", ".pid", ".db", ".sqlite", ".sqlite3", "-journal", "-wal", "-shm", ".tsbuildinfo",
    ];

    private readonly IReadOnlyList<string> _roots;
    private readonly bool _useDefaultIgnores;
    private readonly Dictionary<string, GitIgnore> _gitIgnores = new(StringComparer.Ordinal);
    private readonly Matcher? _only;
    private readonly Matcher? _include;
    private readonly Matcher? _exclude;
    private readonly string[] _includeFolders;
    private readonly HashSet<string> _ignoredFiles;

    public PathFilter(IReadOnlyList<string> roots, WatchOptions options)
    {
        _roots = roots.Select(r => Path.TrimEndingDirectorySeparator(Path.GetFullPath(r))).ToArray();
        _useDefaultIgnores = options.DefaultIgnores;
        _ignoredFiles = new HashSet<string>(options.IgnoredFiles, OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        if (options.GitIgnore)
        {
            foreach (var root in _roots)
            {
                _gitIgnores[root] = GitIgnore.ForFolder(root);
            }
        }

        // No globs: every file, and no glob matching, which costs more per file than the whole scan otherwise.
        _only = Globbed(options.Only);
        _include = Globbed(options.Include);
        _includeFolders = options.Include.Select(LiteralFolder).Where(folder => folder.Length > 0).ToArray();
        if (options.Exclude.Count > 0)
        {
            _exclude = new Matcher(StringComparison.Ordinal);
            _exclude.AddInclude("**/*");
            foreach (var pattern in options.Exclude)
            {
                AddGlob(pattern, _exclude.AddExclude);
                // 'tests/**' and 'tests/' leave out the folder itself too, as 'tests' does: creating or moving it away is
                // no change.
                var slashed = pattern.Replace('\\', '/');
                var folder = slashed.EndsWith("/**", StringComparison.Ordinal) ? slashed[..^3] : slashed.TrimEnd('/');
                if (folder.Length > 0 && folder != slashed)
                {
                    _exclude.AddExclude(folder);
                }
            }
        }
    }

    /// <summary>True when only some files are watched (--only, or a preset whose server reloads its own sources).</summary>
    public bool HasIncludes => _only is not null;

    public bool IsIgnoredFolder(string name) => _useDefaultIgnores && DefaultIgnoredFolders.Contains(name);

    public bool IsIgnoredFile(string name) =>
        _useDefaultIgnores &&
        (DefaultIgnoredFileEndings.Any(ending => name.EndsWith(ending, StringComparison.Ordinal))
         || name.StartsWith(".#", StringComparison.Ordinal) || name is "4913" or ".DS_Store" or ".coverage");

    /// <summary>True when a folder (full path) must be neither scanned nor watched.</summary>
    public bool SkipsFolder(string fullPath) =>
        (IsIgnoredFolder(Path.GetFileName(Path.TrimEndingDirectorySeparator(fullPath)))
         || (GitIgnoreFor(fullPath)?.IsIgnored(fullPath, isDirectory: true) ?? false))
        && !IncludeReaches(fullPath);

    /// <summary>True when a change of this path (full path, under a watch root) should trigger a restart.</summary>
    public bool Matters(string fullPath, bool isDirectory)
    {
        var root = RootOf(fullPath);
        var relative = root is null ? fullPath : Path.GetRelativePath(root, fullPath);
        var slashed = relative.Replace('\\', '/');
        if (_ignoredFiles.Contains(fullPath) || (_exclude is not null && !_exclude.Match(slashed).HasMatches))
        {
            return false;
        }

        var gitIgnore = root is not null && _gitIgnores.TryGetValue(root, out var found) ? found : null;
        if (gitIgnore is not null && Path.GetFileName(fullPath) == ".gitignore")
        {
            gitIgnore.Forget(fullPath);
        }

        // --include adds: a file it names counts even where an ignore rule or --only would leave it out.
        var included = !isDirectory && _include is not null && _include.Match(slashed).HasMatches;
        if (!included && (!MattersByName(relative, isDirectory)
                          || (!IsEnvFile(fullPath, isDirectory) && (gitIgnore?.IsIgnored(fullPath, isDirectory) ?? false))))
        {
            return false;
        }

        // Globs select files; a folder itself matters only when every file is watched.
        return isDirectory ? _only is null : included || _only is null || _only.Match(slashed).HasMatches;
    }

    /// <summary>
    /// .env and .env.*: kept out of git because they hold secrets, not because the server does not read them (it
    /// reads them at start-up), so .gitignore does not take them out of what is watched.
    /// </summary>
    private static bool IsEnvFile(string fullPath, bool isDirectory) =>
        !isDirectory && Path.GetFileName(fullPath) is var name && (name == ".env" || name.StartsWith(".env.", StringComparison.Ordinal));

    /// <summary>True for a file whose edit changes which paths are ignored.</summary>
    public static bool IsIgnoreFile(string path) => Path.GetFileName(path) is ".gitignore";

    /// <summary>
    /// Forgets the rules read from an ignore file that changed (even one no --include selects); false when its edit
    /// changes nothing here (.gitignore files not used, or one inside node_modules).
    /// </summary>
    public bool ForgetIgnoreFile(string fullPath)
    {
        var root = RootOf(fullPath);
        if (root is null || !IsIgnoreFile(fullPath) || !_gitIgnores.TryGetValue(root, out var gitIgnore)
            || !MattersByName(Path.GetRelativePath(root, fullPath), isDirectory: false))
        {
            return false;
        }

        gitIgnore.Forget(fullPath);
        return true;
    }

    /// <summary>
    /// True when a path that no longer exists, file or folder (an event does not say which), should trigger a restart.
    /// A name the default ignores take for an editor's file (".app.py.swp", "app.py~") is taken for that file.
    /// </summary>
    public bool MattersGone(string fullPath) =>
        Matters(fullPath, isDirectory: false)
        || (!IsIgnoredFile(Path.GetFileName(fullPath)) && Matters(fullPath, isDirectory: true));

    private bool MattersByName(string relativePath, bool isDirectory)
    {
        var parts = relativePath.Split(['/', '\\'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            return true;
        }

        for (var i = 0; i < parts.Length - 1; i++)
        {
            if (IsIgnoredFolder(parts[i]))
            {
                return false;
            }
        }

        return !IsIgnoredFolder(parts[^1]) && (isDirectory || !IsIgnoredFile(parts[^1]));
    }

    /// <summary>True when an --include glob names something inside this folder (-i 'dist/**'), so it must be entered.</summary>
    private bool IncludeReaches(string fullPath)
    {
        if (_includeFolders.Length == 0 || RootOf(fullPath) is not { } root)
        {
            return false;
        }

        var relative = Path.GetRelativePath(root, fullPath).Replace('\\', '/');
        return _includeFolders.Any(folder => folder == relative || folder.StartsWith(relative + "/", StringComparison.Ordinal));
    }

    /// <summary>The folders a glob names before its first wildcard: 'dist/assets/*.js' gives 'dist/assets'.</summary>
    private static string LiteralFolder(string glob)
    {
        var parts = glob.Replace('\\', '/').Split('/');
        var literal = parts.Take(parts.Length - 1).TakeWhile(part => part.IndexOfAny(['*', '?']) < 0);
        return string.Join('/', literal);
    }

    private Matcher? Globbed(IReadOnlyList<string> globs)
    {
        if (globs.Count == 0)
        {
            return null;
        }

        var matcher = new Matcher(StringComparison.Ordinal);
        foreach (var glob in globs)
        {
            AddGlob(glob, matcher.AddInclude);
        }

        return matcher;
    }

    private GitIgnore? GitIgnoreFor(string fullPath)
    {
        var root = RootOf(fullPath);
        return root is not null && _gitIgnores.TryGetValue(root, out var gitIgnore) ? gitIgnore : null;
    }

    private string? RootOf(string fullPath)
    {
        string? best = null;
        foreach (var root in _roots)
        {
            if ((fullPath == root || fullPath.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                && (best is null || root.Length > best.Length))
            {
                best = root;
            }
        }

        return best;
    }

    private static void AddGlob(string pattern, Func<string, Matcher> add)
    {
        pattern = pattern.Replace('\\', '/');
        add(pattern);
        // A pattern without a folder part ("*.py") means that name anywhere, as users expect from .gitignore.
        if (!pattern.Contains('/', StringComparison.Ordinal))
        {
            add("**/" + pattern);
        }
    }
}
