using System.Runtime.Versioning;
using FreshServe.Common;
using FreshServe.Interop;

namespace FreshServe.Sessions;

/// <summary>
/// Makes sure a folder is readable by the current user only. Records in it decide which pids freshserve signals,
/// so a folder another user could write to (say a pre-created /tmp/freshserve-UID) must never be trusted.
/// </summary>
internal static class PrivateFolder
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public static void Ensure(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            // %LOCALAPPDATA% is already private to the user.
            Directory.CreateDirectory(path);
            return;
        }

        if (!Directory.Exists(path))
        {
            Directory.CreateDirectory(path, OwnerOnly);
        }

        var info = new DirectoryInfo(path);
        if (info.LinkTarget is not null)
        {
            throw new FreshServeException($"the session folder {path} is a symbolic link; remove it so freshserve can create a private one");
        }

        var mode = File.GetUnixFileMode(path);
        if (mode != OwnerOnly)
        {
            throw new FreshServeException(
                $"the session folder {path} is not private (mode {Convert.ToString((int)mode, 8)}, expected 700); run: chmod 700 {path}");
        }

        if (OperatingSystem.IsLinux() && OwnerOf(path) is { } owner && owner != Libc.getuid())
        {
            throw new FreshServeException($"the session folder {path} belongs to another user (uid {owner}); remove it");
        }
    }

    [SupportedOSPlatform("linux")]
    private static unsafe uint? OwnerOf(string path)
    {
        // struct statx has the same layout on every Linux architecture: stx_uid is the u32 at offset 20.
        var buffer = stackalloc byte[256];
        const int AtFdCwd = -100, AtSymlinkNoFollow = 0x100, StatxUid = 0x8;
        return Libc.statx(AtFdCwd, path, AtSymlinkNoFollow, StatxUid, buffer) == 0 ? *(uint*)(buffer + 20) : null;
    }
}
