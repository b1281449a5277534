using System.Globalization;
using System.Text.RegularExpressions;

namespace FreshServe.Sessions;

/// <summary>The file system a folder lives on, and whether change events can be trusted there.</summary>
public sealed record FolderFileSystem(string MountPoint, string Type, string? PollingReason)
{
    public bool NeedsPolling => PollingReason is not null;

    /// <summary>Linux: the longest mount point in /proc/self/mountinfo that contains <paramref name="folder"/>.</summary>
    public static FolderFileSystem? Of(string folder)
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/proc/self/mountinfo"))
        {
            return null;
        }

        var underWsl = File.Exists("/proc/version")
            && File.ReadAllText("/proc/version").Contains("microsoft", StringComparison.OrdinalIgnoreCase);
        return Find(File.ReadAllLines("/proc/self/mountinfo"), Path.GetFullPath(folder), underWsl);
    }

    public static FolderFileSystem? Find(IEnumerable<string> mountInfoLines, string folder, bool underWsl)
    {
        (string Point, string Type)? best = null;
        foreach (var line in mountInfoLines)
        {
            // id parent major:minor root mount-point options [optional fields...] - type source super-options
            var fields = line.Split(' ');
            var dash = Array.IndexOf(fields, "-");
            if (fields.Length < 5 || dash < 0 || dash + 1 >= fields.Length)
            {
                continue;
            }

            var point = Unescape(fields[4]);
            if (Contains(point, folder) && (best is null || point.Length >= best.Value.Point.Length))
            {
                best = (point, fields[dash + 1]);
            }
        }

        return best is { } found ? new FolderFileSystem(found.Point, found.Type, PollingReasonFor(found.Type, underWsl)) : null;
    }

    /// <summary>Why change events do not arrive on this file system type, or null when they do.</summary>
    public static string? PollingReasonFor(string type, bool underWsl) => type switch
    {
        "9p" or "drvfs" when underWsl => "it is a Windows drive seen from WSL: saves made by Windows programs send no events",
        "9p" or "v9fs" => "it is a 9p share: saves made on the other side send no events",
        "nfs" or "nfs4" => "it is an NFS share: saves made on other machines send no events",
        "cifs" or "smb3" or "smbfs" => "it is a Windows (SMB) share: saves made on other machines send no events",
        "vboxsf" => "it is a VirtualBox shared folder: saves made on the host send no events",
        "fuse.sshfs" => "it is an sshfs mount: saves made on the remote machine send no events",
        "fuse.grpcfuse" or "fakeowner" => "it is a Docker Desktop bind mount: saves made on the host may send no events",
        _ => null,
    };

    private static bool Contains(string mountPoint, string folder) =>
        mountPoint == "/" || folder == mountPoint || folder.StartsWith(mountPoint.TrimEnd('/') + "/", StringComparison.Ordinal);

    // mountinfo writes space, tab, newline and backslash as \ooo octal escapes.
    private static string Unescape(string field) =>
        Regex.Replace(field, @"\\([0-7]{3})", m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString(CultureInfo.InvariantCulture));
}
