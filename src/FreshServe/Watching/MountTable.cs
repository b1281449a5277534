using System.Globalization;
using System.Text.RegularExpressions;

namespace FreshServe.Watching;

/// <summary>Linux: the mount that holds a folder, from a mount table in /proc/self/mountinfo format.</summary>
public static class MountTable
{
    public const string OwnMountInfo = "/proc/self/mountinfo";

    /// <summary>The longest mount point that contains <paramref name="folder"/> (the last one mounted when stacked), and its type.</summary>
    public static (string MountPoint, string Type)? Find(IEnumerable<string> mountInfoLines, string folder)
    {
        folder = Path.TrimEndingDirectorySeparator(folder);
        (string Point, string Type)? best = null;
        foreach (var line in mountInfoLines)
        {
            // id parent major:minor root MOUNT_POINT options [optional fields...] - FS_TYPE source super-options
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

        return best;
    }

    /// <summary>Reads the table at <paramref name="path"/>; null when it cannot be read.</summary>
    public static string[]? Read(string path)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool Contains(string mountPoint, string folder) =>
        mountPoint == "/" || folder == mountPoint || folder.StartsWith(mountPoint.TrimEnd('/') + "/", StringComparison.Ordinal);

    // mountinfo writes space, tab, newline and backslash as \ooo octal escapes.
    private static string Unescape(string field) =>
        field.Contains('\\', StringComparison.Ordinal)
            ? Regex.Replace(field, @"\\([0-7]{3})", m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString(CultureInfo.InvariantCulture))
            : field;
}
