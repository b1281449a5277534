namespace FreshServe.Watching;

/// <summary>What a --include/--exclude glob may look like: FileSystemGlobbing's syntax, relative to a watch root.</summary>
public static class Globs
{
    /// <summary>Why the glob cannot work, in words a user can act on; null when it is fine.</summary>
    public static string? Problem(string glob)
    {
        if (string.IsNullOrWhiteSpace(glob))
        {
            return "a glob cannot be empty";
        }

        if (glob.IndexOfAny(['[', ']', '{', '}']) >= 0)
        {
            // Matched literally by FileSystemGlobbing, so '*.{js,ts}' would silently match nothing.
            return $"'{glob}': [...] and {{...}} are not supported; use * and **, and repeat the option (-i '*.js' -i '*.ts')";
        }

        if (Path.IsPathRooted(glob) || glob.Split('/', '\\').Contains(".."))
        {
            return $"'{glob}': a glob is relative to the watched folder; use -w to watch another folder";
        }

        return null;
    }
}
