using System.Runtime.Versioning;

namespace FreshServe.Watching;

/// <summary>
/// The files freshserve's own stdout and stderr go to (<c>freshserve watch -- node server.js &gt; dev.log</c>). The
/// server inherits them, so every line either of them prints is a change: inside a watched folder that would restart
/// the server forever. These files are never treated as changes.
/// </summary>
public static class OwnOutputFiles
{
    public static IReadOnlyList<string> Find()
    {
        var found = new List<string>();
        foreach (var stream in new[] { 1, 2 })
        {
            if (PathOf(stream) is { } path && !found.Contains(path, StringComparer.Ordinal))
            {
                found.Add(path);
            }
        }

        return found;
    }

    private static string? PathOf(int stream)
    {
        try
        {
            var path = OperatingSystem.IsWindows() ? WindowsPathOf(stream)
                : OperatingSystem.IsLinux() ? Processes.Unix.ProcessTable.DescriptorTarget(Environment.ProcessId, stream)
                : OperatingSystem.IsMacOS() ? MacPathOf(stream)
                : null;
            // Pipes ("pipe:[123]") and terminals are not regular files; neither is a deleted file ("... (deleted)").
            return path is not null && Path.IsPathFullyQualified(path) && File.Exists(path)
                   && (File.GetAttributes(path) & FileAttributes.Device) == 0 && !path.StartsWith("/dev/", StringComparison.Ordinal)
                ? Path.GetFullPath(path)
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    [SupportedOSPlatform("windows")]
    private static unsafe string? WindowsPathOf(int stream)
    {
        var handle = Interop.Kernel32.GetStdHandle(stream == 1
            ? Interop.Kernel32.STD_OUTPUT_HANDLE
            : Interop.Kernel32.STD_ERROR_HANDLE);
        if (handle == IntPtr.Zero || handle == new IntPtr(-1)
            || Interop.Kernel32.GetFileType(handle) != Interop.Kernel32.FILE_TYPE_DISK)
        {
            return null;
        }

        var buffer = stackalloc char[1024];
        var length = Interop.Kernel32.GetFinalPathNameByHandle(handle, buffer, 1024, 0);
        if (length is 0 or >= 1024)
        {
            return null;
        }

        var path = new string(buffer, 0, (int)length);
        // \\?\C:\x -> C:\x; \\?\UNC\server\share -> \\server\share
        return path.StartsWith(@"\\?\UNC\", StringComparison.Ordinal) ? @"\\" + path[8..]
            : path.StartsWith(@"\\?\", StringComparison.Ordinal) ? path[4..]
            : path;
    }

    [SupportedOSPlatform("macos")]
    private static unsafe string? MacPathOf(int stream)
    {
        const int FGetPath = 50; // F_GETPATH, with a MAXPATHLEN (1024) buffer
        var buffer = stackalloc byte[1024];
        return Interop.Libc.fcntl(stream, FGetPath, buffer) == 0
            ? System.Text.Encoding.UTF8.GetString(buffer, new ReadOnlySpan<byte>(buffer, 1024).IndexOf((byte)0))
            : null;
    }
}
