using System.Text;
using System.Text.RegularExpressions;

namespace FreshServe.Watching;

/// <summary>
/// The ignore rules git applies to a work tree: .git/info/exclude, then the .gitignore of every folder from the
/// repository root down, the last matching pattern winning. A path inside an ignored folder is ignored whatever later
/// patterns say, as in git (it never looks inside). Nested .gitignore files are read when first needed.
/// </summary>
public sealed class GitIgnore
{
    private readonly string _repoRoot;
    private readonly IReadOnlyList<GitIgnorePattern> _exclude;
    private readonly Dictionary<string, IReadOnlyList<GitIgnorePattern>> _byFolder = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public GitIgnore(string repoRoot)
    {
        _repoRoot = Path.TrimEndingDirectorySeparator(Path.GetFullPath(repoRoot));
        _exclude = ReadPatterns(Path.Combine(_repoRoot, ".git", "info", "exclude"), string.Empty);
    }

    public string RepoRoot => _repoRoot;

    /// <summary>The repository that contains <paramref name="folder"/> (the nearest parent with .git), or the folder itself.</summary>
    public static GitIgnore ForFolder(string folder)
    {
        for (var dir = new DirectoryInfo(folder); dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, ".git")) || File.Exists(Path.Combine(dir.FullName, ".git")))
            {
                return new GitIgnore(dir.FullName);
            }
        }

        return new GitIgnore(folder);
    }

    /// <summary>Forgets the patterns read from a .gitignore that changed, so the next check reads it again.</summary>
    public void Forget(string gitIgnoreFile)
    {
        var folder = Relative(Path.GetDirectoryName(gitIgnoreFile) ?? _repoRoot);
        if (folder is not null)
        {
            lock (_gate)
            {
                _byFolder.Remove(folder);
            }
        }
    }

    public bool IsIgnored(string fullPath, bool isDirectory)
    {
        var relative = Relative(fullPath);
        if (string.IsNullOrEmpty(relative))
        {
            return false;
        }

        var parts = relative.Split('/');
        for (var i = 1; i < parts.Length; i++)
        {
            if (Decide(string.Join('/', parts, 0, i), isDirectory: true))
            {
                return true;
            }
        }

        return Decide(relative, isDirectory);
    }

    private bool Decide(string relative, bool isDirectory)
    {
        bool? ignored = Match(_exclude, relative, isDirectory);
        var slash = -1;
        do
        {
            var folder = slash < 0 ? string.Empty : relative[..slash];
            ignored = Match(PatternsOf(folder), relative, isDirectory) ?? ignored;
            slash = relative.IndexOf('/', slash + 1);
        }
        while (slash >= 0);

        return ignored == true;
    }

    private static bool? Match(IReadOnlyList<GitIgnorePattern> patterns, string relative, bool isDirectory)
    {
        for (var i = patterns.Count - 1; i >= 0; i--)
        {
            if (patterns[i].Matches(relative, isDirectory))
            {
                return !patterns[i].Negated;
            }
        }

        return null;
    }

    private IReadOnlyList<GitIgnorePattern> PatternsOf(string folder)
    {
        lock (_gate)
        {
            if (!_byFolder.TryGetValue(folder, out var patterns))
            {
                patterns = ReadPatterns(Path.Combine(_repoRoot, folder, ".gitignore"), folder);
                _byFolder[folder] = patterns;
            }

            return patterns;
        }
    }

    private string? Relative(string fullPath)
    {
        var relative = Path.GetRelativePath(_repoRoot, fullPath);
        if (relative == ".")
        {
            return string.Empty;
        }

        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative)
            ? null
            : relative.Replace('\\', '/');
    }

    private static IReadOnlyList<GitIgnorePattern> ReadPatterns(string file, string folder)
    {
        try
        {
            return File.Exists(file) ? GitIgnorePattern.ParseAll(File.ReadAllLines(file), folder) : [];
        }
        catch (IOException)
        {
            return [];
        }
        catch (UnauthorizedAccessException)
        {
            return [];
        }
    }
}

/// <summary>One line of a .gitignore, compiled to a regular expression over paths relative to the repository root.</summary>
public sealed class GitIgnorePattern
{
    private readonly Regex _regex;
    private readonly string _folderPrefix;

    private GitIgnorePattern(Regex regex, string folder, bool negated, bool directoryOnly)
    {
        _regex = regex;
        _folderPrefix = folder.Length == 0 ? string.Empty : folder + "/";
        Negated = negated;
        DirectoryOnly = directoryOnly;
    }

    public bool Negated { get; }

    public bool DirectoryOnly { get; }

    public static IReadOnlyList<GitIgnorePattern> ParseAll(IEnumerable<string> lines, string folder = "") =>
        lines.Select(line => Parse(line, folder)).OfType<GitIgnorePattern>().ToArray();

    /// <summary>Null for blank lines and comments.</summary>
    public static GitIgnorePattern? Parse(string line, string folder = "")
    {
        line = TrimUnescapedTrailingSpaces(line.TrimEnd('\r'));
        if (line.Length == 0 || line[0] == '#')
        {
            return null;
        }

        var negated = line[0] == '!';
        if (negated)
        {
            line = line[1..];
        }

        var directoryOnly = line.EndsWith('/');
        if (directoryOnly)
        {
            line = line.TrimEnd('/');
        }

        if (line.Length == 0)
        {
            return null;
        }

        // A slash at the start or in the middle anchors the pattern to the .gitignore's folder.
        var anchored = line.Contains('/', StringComparison.Ordinal);
        if (line[0] == '/')
        {
            line = line[1..];
        }

        var body = Translate(line);
        var regex = anchored ? $"^{body}$" : $"^(?:.*/)?{body}$";
        return new GitIgnorePattern(new Regex(regex, RegexOptions.CultureInvariant | RegexOptions.Singleline), folder, negated, directoryOnly);
    }

    public bool Matches(string relativeToRepo, bool isDirectory)
    {
        if (DirectoryOnly && !isDirectory)
        {
            return false;
        }

        if (!relativeToRepo.StartsWith(_folderPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        return _regex.IsMatch(relativeToRepo.AsSpan(_folderPrefix.Length));
    }

    private static string TrimUnescapedTrailingSpaces(string line)
    {
        var end = line.Length;
        while (end > 0 && line[end - 1] == ' ' && !(end > 1 && line[end - 2] == '\\'))
        {
            end--;
        }

        return line[..end];
    }

    private static string Translate(string glob)
    {
        var regex = new StringBuilder();
        for (var i = 0; i < glob.Length; i++)
        {
            var c = glob[i];
            switch (c)
            {
                case '*' when i + 1 < glob.Length && glob[i + 1] == '*' && (i == 0 || glob[i - 1] == '/')
                             && (i + 2 == glob.Length || glob[i + 2] == '/'):
                    if (i + 2 == glob.Length)
                    {
                        regex.Append(".*"); // trailing "/**": everything inside
                        i++;
                    }
                    else
                    {
                        regex.Append("(?:.*/)?"); // "**/": zero or more folders
                        i += 2;
                    }

                    break;
                case '*':
                    regex.Append("[^/]*");
                    while (i + 1 < glob.Length && glob[i + 1] == '*')
                    {
                        i++;
                    }

                    break;
                case '?':
                    regex.Append("[^/]");
                    break;
                case '[':
                    i = AppendClass(glob, i, regex);
                    break;
                case '\\' when i + 1 < glob.Length:
                    regex.Append(Regex.Escape(glob[++i].ToString()));
                    break;
                default:
                    regex.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }

        return regex.ToString();
    }

    /// <summary>Copies a bracket expression; an unterminated '[' is a literal, as in git.</summary>
    private static int AppendClass(string glob, int start, StringBuilder regex)
    {
        var i = start + 1;
        var negate = i < glob.Length && (glob[i] == '!' || glob[i] == '^');
        if (negate)
        {
            i++;
        }

        var members = new StringBuilder();
        var first = true;
        for (; i < glob.Length; i++)
        {
            var c = glob[i];
            if (c == ']' && !first)
            {
                regex.Append('[').Append(negate ? "^/" : string.Empty).Append(members).Append(']');
                return i;
            }

            if (c == '\\' && i + 1 < glob.Length)
            {
                c = glob[++i];
            }

            members.Append(c is '\\' or ']' or '[' or '^' ? "\\" + c : c.ToString());
            first = false;
        }

        regex.Append("\\[");
        return start;
    }
}
