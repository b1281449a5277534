namespace FreshServe.Processes;

/// <summary>Finds a command the way a shell would: a path as given, otherwise the first match on PATH (and PATHEXT on Windows).</summary>
public static class CommandResolver
{
    public static string Resolve(string command, string workingDirectory, IReadOnlyDictionary<string, string>? env = null)
    {
        string? Get(string key) => env is not null && env.TryGetValue(key, out var v) ? v : Environment.GetEnvironmentVariable(key);

        var extensions = OperatingSystem.IsWindows()
            ? (Get("PATHEXT") ?? ".COM;.EXE;.BAT;.CMD").Split(';', StringSplitOptions.RemoveEmptyEntries)
            : [];

        if (command.Contains('/') || (OperatingSystem.IsWindows() && command.Contains('\\')))
        {
            var full = Path.GetFullPath(command, workingDirectory);
            return FindWithExtensions(full, extensions)
                ?? throw new CommandStartException(File.Exists(full)
                    ? $"command '{command}' cannot run: {full} is not executable (chmod +x it, or run it through its interpreter)"
                    : Directory.Exists(full)
                        ? $"command '{command}' cannot run: {full} is a folder, not a program"
                        : $"command '{command}' not found: no file at {full}");
        }

        foreach (var dir in (Get("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var found = FindWithExtensions(Path.Combine(dir, command), extensions);
            if (found is not null)
            {
                return found;
            }
        }

        throw new CommandStartException($"command '{command}' not found on PATH; check the spelling, or give its full path");
    }

    private static string? FindWithExtensions(string candidate, string[] extensions)
    {
        if (OperatingSystem.IsWindows())
        {
            if (Path.HasExtension(candidate) && File.Exists(candidate))
            {
                return candidate;
            }

            return extensions.Select(ext => candidate + ext.ToLowerInvariant()).FirstOrDefault(File.Exists);
        }

        return File.Exists(candidate) && IsExecutable(candidate) ? candidate : null;
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static bool IsExecutable(string path) =>
        (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
}
