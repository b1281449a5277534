using Microsoft.Extensions.FileSystemGlobbing;

namespace FreshServe.Watching;

/// <summary>
/// Decides which paths matter: default ignores (VCS folders, dependencies, caches, editor temp files), .gitignore,
/// then --include/--exclude globs. Folders it ignores are never scanned nor watched.
/// </summary>
public sealed class PathFilter
{
    public static readonly IReadOnlySet<string> DefaultIgnoredFolders = new HashSet<string>(StringComparer.Ordinal)
    {
        ".git", ".hg", ".svn", "node_modules", "bin", "obj", ".venv", "venv", "__pycache__",
        ".pytest_cache", ".mypy_cache", ".idea", ".vs",
    };

    private readonly IReadOnlyList<string> _roots;
    private readonly bool _useDefaultIgnores;
    private readonly Dictionary<string, GitIgnore> _gitIgnores = new(StringComparer.Ordinal);
    private readonly Matcher? _globs;
    private readonly HashSet<string> _ignoredFiles;

    public PathFilter(IReadOnlyList<string> roots, WatchOptions options)
    {
        _roots = roots.Select(r => Path.TrimEndingDirectorySeparator(Path.GetFullPath(r))).ToArray();
        _useDefaultIgnores = options.DefaultIgnores;
        HasIncludes = options.Include.Count > 0;
        _ignoredFiles = new HashSet<string>(options.IgnoredFiles, OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        if (options.GitIgnore)
        {
            foreach (var root in _roots)
            {
                _gitIgnores[root] = GitIgnore.ForFolder(root);
            }
        }

        if (options.Include.Count == 0 && options.Exclude.Count == 0)
        {
            return; // every file: no glob matching, which costs more per file than the whole scan otherwise
        }

        _globs = new Matcher(StringComparison.Ordinal);
        foreach (var pattern in options.Include.Count == 0 ? ["**/*"] : options.Include)
        {
            AddGlob(pattern, _globs.AddInclude);
        }

        foreach (var pattern in options.Exclude)
        {
            AddGlob(pattern, _globs.AddExclude);
            // 'tests/**' and 'tests/' leave out the folder itself too, as 'tests' does: creating or moving it away is
            // no change.
            var slashed = pattern.Replace('\\', '/');
            var folder = slashed.EndsWith("/**", StringComparison.Ordinal) ? slashed[..^3] : slashed.TrimEnd('/');
            if (folder.Length > 0 && folder != slashed)
            {
                _globs.AddExclude(folder);
            }
        }
    }

    public bool HasIncludes { get; }

    public bool IsIgnoredFolder(string name) => _useDefaultIgnores && DefaultIgnoredFolders.Contains(name);

    public bool IsIgnoredFile(string name) =>
        _useDefaultIgnores &&
        (name.EndsWith(".pyc", StringComparison.Ordinal) || name.EndsWith(".swp", StringComparison.Ordinal)
         || name.EndsWith('~') || name.StartsWith(".#", StringComparison.Ordinal) || name is "4913" or ".DS_Store");

    /// <summary>True when a folder (full path) must be neither scanned nor watched.</summary>
    public bool SkipsFolder(string fullPath) =>
        IsIgnoredFolder(Path.GetFileName(Path.TrimEndingDirectorySeparator(fullPath)))
        || (GitIgnoreFor(fullPath)?.IsIgnored(fullPath, isDirectory: true) ?? false);

    /// <summary>True when a change of this path (full path, under a watch root) should trigger a restart.</summary>
    public bool Matters(string fullPath, bool isDirectory)
    {
        var root = RootOf(fullPath);
        var relative = root is null ? fullPath : Path.GetRelativePath(root, fullPath);
        if (!MattersByName(relative, isDirectory) || _ignoredFiles.Contains(fullPath))
        {
            return false;
        }

        if (root is not null && _gitIgnores.TryGetValue(root, out var gitIgnore))
        {
            if (Path.GetFileName(fullPath) == ".gitignore")
            {
                gitIgnore.Forget(fullPath);
            }

            if (gitIgnore.IsIgnored(fullPath, isDirectory))
            {
                return false;
            }
        }

        // Globs select files; a folder itself matters only when no --include narrows the files, and no --exclude
        // leaves it out.
        return (!isDirectory || !HasIncludes) && (_globs is null || _globs.Match(relative.Replace('\\', '/')).HasMatches);
    }

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

    private void AddGlob(string pattern, Func<string, Matcher> add)
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
