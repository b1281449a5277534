namespace FreshServe.Watching;

/// <summary>Decides which changed paths matter: default ignores (VCS folders, dependencies, caches, editor temp files).</summary>
public sealed class PathFilter
{
    public static readonly IReadOnlySet<string> DefaultIgnoredFolders = new HashSet<string>(StringComparer.Ordinal)
    {
        ".git", ".hg", ".svn", "node_modules", "bin", "obj", ".venv", "venv", "__pycache__",
        ".pytest_cache", ".mypy_cache", ".idea", ".vs",
    };

    private readonly bool _useDefaultIgnores;

    public PathFilter(bool useDefaultIgnores = true) => _useDefaultIgnores = useDefaultIgnores;

    public bool IsIgnoredFolder(string name) => _useDefaultIgnores && DefaultIgnoredFolders.Contains(name);

    public bool IsIgnoredFile(string name) =>
        _useDefaultIgnores &&
        (name.EndsWith(".pyc", StringComparison.Ordinal) || name.EndsWith(".swp", StringComparison.Ordinal)
         || name.EndsWith('~') || name.StartsWith(".#", StringComparison.Ordinal) || name is "4913" or ".DS_Store");

    /// <summary>True when the path (relative to a watch root) should trigger a restart.</summary>
    public bool Matters(string relativePath)
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

        return !IsIgnoredFolder(parts[^1]) && !IsIgnoredFile(parts[^1]);
    }
}
