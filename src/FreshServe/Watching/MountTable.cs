namespace FreshServe.Watching;

/// <summary>
/// Finds the file system a folder lives on from a Linux mount table (/proc/self/mountinfo format), to tell the ones
/// whose changes inotify never hears about: network and host-shared file systems change behind the kernel's back.
/// </summary>
public static class MountTable
{
    private static readonly string[] NoEventTypes =
        ["9p", "drvfs", "nfs", "nfs4", "cifs", "smb3", "smbfs", "fuse", "sshfs", "vboxsf", "virtiofs", "afs", "ceph", "glusterfs", "lustre", "davfs", "prl_fs", "vmhgfs"];

    /// <summary>The file system type of the mount that holds <paramref name="folder"/>, or null when unknown.</summary>
    public static string? FileSystemTypeOf(string folder, string mountTable)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(mountTable);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        var path = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        string? bestType = null;
        var bestLength = -1;
        foreach (var line in lines)
        {
            // id parent major:minor root MOUNT_POINT options [optional...] - FS_TYPE source super-options
            var fields = line.Split(' ');
            var separator = Array.IndexOf(fields, "-");
            if (fields.Length < 5 || separator < 0 || separator + 1 >= fields.Length)
            {
                continue;
            }

            var mountPoint = Unescape(fields[4]);
            var under = mountPoint == "/" || path == mountPoint || path.StartsWith(mountPoint + "/", StringComparison.Ordinal);
            if (under && mountPoint.Length >= bestLength)
            {
                bestLength = mountPoint.Length;
                bestType = fields[separator + 1];
            }
        }

        return bestType;
    }

    /// <summary>True for file system types that deliver no change events to the watcher.</summary>
    public static bool DeliversNoEvents(string fileSystemType) =>
        NoEventTypes.Contains(fileSystemType, StringComparer.Ordinal)
        || fileSystemType.StartsWith("fuse.", StringComparison.Ordinal)
        || fileSystemType.StartsWith("nfs", StringComparison.Ordinal);

    // Mount points escape space, tab, newline and backslash as octal (\040).
    private static string Unescape(string field) =>
        field.Contains('\\', StringComparison.Ordinal)
            ? System.Text.RegularExpressions.Regex.Replace(field, @"\\([0-7]{3})", m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString())
            : field;
}
