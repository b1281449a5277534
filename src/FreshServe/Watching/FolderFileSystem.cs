namespace FreshServe.Watching;

/// <summary>
/// The file system a folder lives on and whether its change events can be trusted: the one place that answers "does
/// this folder need polling". Linux reads the mount table, macOS statfs (f_fstypename), Windows the drive type and
/// the path; the verdict comes from <see cref="FileSystemTable"/>.
/// </summary>
public sealed record FolderFileSystem(string Type, string MountPoint, string? PollingReason)
{
    public bool NeedsPolling => PollingReason is not null;

    /// <summary>"fuse.sshfs (mounted at /mnt/box)".</summary>
    public string Where => $"{Type} (mounted at {MountPoint})";

    /// <summary>Why <paramref name="folder"/> is polled, in one line: "FOLDER is on TYPE (mounted at M), what it is: what is missed".</summary>
    public string PollingExplanation(string folder) => $"{folder} is on {Where}, {PollingReason}";

    /// <summary>The file system of <paramref name="folder"/>; null where the system cannot tell.</summary>
    /// <param name="mountInfo">Linux: the mount table to read (a seam for tests).</param>
    public static FolderFileSystem? Of(string folder, string mountInfo = MountTable.OwnMountInfo)
    {
        var full = Path.GetFullPath(folder);
        if (OperatingSystem.IsWindows())
        {
            return OnWindows(full, Interop.Kernel32.GetDriveType);
        }

        if (OperatingSystem.IsMacOS())
        {
            return ViaStatfs(full);
        }

        return OperatingSystem.IsLinux() && MountTable.Read(mountInfo) is { } lines ? OnLinux(lines, full, UnderWsl()) : null;
    }

    public static FolderFileSystem? OnLinux(IEnumerable<string> mountInfoLines, string folder, bool underWsl) =>
        MountTable.Find(mountInfoLines, folder) is { } mount
            ? new FolderFileSystem(mount.Type, mount.MountPoint, FileSystemTable.PollingReason(mount.Type, underWsl))
            : null;

    /// <summary>
    /// Windows: a \\wsl$\ or \\wsl.localhost\ path, any other UNC path (a network share), or a drive letter whose
    /// GetDriveType (<paramref name="driveType"/>, given the root such as C:\) says what it is.
    /// </summary>
    public static FolderFileSystem OnWindows(string fullPath, Func<string, uint> driveType)
    {
        var path = fullPath.Replace('/', '\\');
        path = path.StartsWith(@"\\?\UNC\", StringComparison.OrdinalIgnoreCase) ? @"\\" + path[8..]
            : path.StartsWith(@"\\?\", StringComparison.Ordinal) || path.StartsWith(@"\\.\", StringComparison.Ordinal) ? path[4..]
            : path;

        if (path.StartsWith(@"\\", StringComparison.Ordinal))
        {
            // \\server\share\...: always a network share, so GetDriveType has nothing to add.
            var parts = path[2..].Split('\\', StringSplitOptions.RemoveEmptyEntries);
            var share = $@"\\{string.Join('\\', parts.Take(2))}\";
            var server = parts.FirstOrDefault() ?? string.Empty;
            var type = server.Equals("wsl$", StringComparison.OrdinalIgnoreCase) || server.Equals("wsl.localhost", StringComparison.OrdinalIgnoreCase)
                ? FileSystemTable.Wsl
                : DriveTypeName(DriveRemote);
            return new FolderFileSystem(type, share, FileSystemTable.PollingReason(type));
        }

        var root = path.Length >= 2 && path[1] == ':' ? char.ToUpperInvariant(path[0]) + @":\" : path;
        var name = DriveTypeName(driveType(root));
        return new FolderFileSystem(name, root, FileSystemTable.PollingReason(name));
    }

    /// <summary>
    /// macOS: statfs gives the type name (f_fstypename, which .NET's DriveInfo.DriveFormat returns on macOS); the mount
    /// point is the longest mounted folder that holds the path. Works on any Unix (Linux names types its own way).
    /// </summary>
    internal static FolderFileSystem? ViaStatfs(string fullPath)
    {
        try
        {
            var type = new DriveInfo(fullPath).DriveFormat;
            var mountPoint = DriveInfo.GetDrives()
                .Select(d => d.Name)
                .Where(m => m == "/" || fullPath == m.TrimEnd('/') || fullPath.StartsWith(m.TrimEnd('/') + "/", StringComparison.Ordinal))
                .MaxBy(m => m.Length) ?? "/";
            return new FolderFileSystem(type, mountPoint, FileSystemTable.PollingReason(type));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    private const uint DriveRemote = 4;

    /// <summary>The GetDriveType result by its Win32 name, as the table knows it.</summary>
    internal static string DriveTypeName(uint driveType) => driveType switch
    {
        1 => "DRIVE_NO_ROOT_DIR",
        2 => "DRIVE_REMOVABLE",
        3 => "DRIVE_FIXED",
        DriveRemote => "DRIVE_REMOTE",
        5 => "DRIVE_CDROM",
        6 => "DRIVE_RAMDISK",
        _ => "DRIVE_UNKNOWN",
    };

    private static bool UnderWsl()
    {
        try
        {
            return File.ReadAllText("/proc/version").Contains("microsoft", StringComparison.OrdinalIgnoreCase);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
