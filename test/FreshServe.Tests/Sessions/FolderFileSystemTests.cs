using FreshServe.Sessions;

namespace FreshServe.Tests.Sessions;

public sealed class FolderFileSystemTests
{
    // Shaped like /proc/self/mountinfo on WSL 2 with a Docker bind mount and a folder name holding a space.
    private static readonly string[] MountInfo =
    [
        "22 1 8:32 / / rw,relatime shared:1 - ext4 /dev/sdc rw,discard",
        "60 22 0:52 / /mnt/c rw,noatime - 9p drvfs rw,dirsync,aname=drvfs;path=C:\\",
        "70 22 0:60 / /home/dev/my\\040share rw,relatime - cifs //nas/share rw",
        "80 22 8:33 / /home/dev/fast rw - xfs /dev/sdd rw",
    ];

    [Theory]
    [InlineData("/home/dev/app", "/", "ext4", false)]
    [InlineData("/mnt/c/Users/dev/app", "/mnt/c", "9p", true)]
    [InlineData("/mnt/cache", "/", "ext4", false)]
    [InlineData("/home/dev/my share/site", "/home/dev/my share", "cifs", true)]
    [InlineData("/home/dev/fast", "/home/dev/fast", "xfs", false)]
    public void The_longest_containing_mount_decides(string folder, string mountPoint, string type, bool polling)
    {
        var found = FolderFileSystem.Find(MountInfo, folder, underWsl: true);

        Assert.NotNull(found);
        Assert.Equal(mountPoint, found.MountPoint);
        Assert.Equal(type, found.Type);
        Assert.Equal(polling, found.NeedsPolling);
    }

    [Fact]
    public void A_windows_drive_under_wsl_is_explained_as_such()
    {
        var found = FolderFileSystem.Find(MountInfo, "/mnt/c/x", underWsl: true)!;
        Assert.Equal("it is a Windows drive seen from WSL: saves made by Windows programs send no events", found.PollingReason);
        Assert.Equal("it is a 9p share: saves made on the other side send no events", FolderFileSystem.Find(MountInfo, "/mnt/c/x", underWsl: false)!.PollingReason);
    }

    [Fact]
    public void The_real_mount_table_knows_the_temp_folder()
    {
        Assert.True(OperatingSystem.IsLinux(), "mountinfo is Linux's");
        var found = FolderFileSystem.Of(Path.GetTempPath());
        Assert.NotNull(found);
        Assert.StartsWith(found.MountPoint.TrimEnd('/'), Path.GetTempPath(), StringComparison.Ordinal);
    }
}
