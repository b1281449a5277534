using FreshServe.Tests.Infrastructure;
using FreshServe.Watching;

namespace FreshServe.Tests.Watching;

/// <summary>
/// "Does this folder need polling": one table (<see cref="FileSystemTable"/>) read by watch and doctor alike, decided
/// here on recorded values: Linux mountinfo lines, macOS statfs type names, Windows paths and drive types.
/// </summary>
public sealed class FolderFileSystemTests
{
    // Lines as /proc/self/mountinfo writes them on the machines where each one was seen (WSL 1 and 2, a NAS, Docker
    // Desktop, VirtualBox, VMware, Lima, rootless Podman...), each mounting its own folder.
    public static readonly TheoryData<string, string, bool> Recorded = new()
    {
        { "60 22 0:52 / /mnt/c rw,noatime - 9p drvfs rw,dirsync,aname=drvfs;path=C:\\;uid=1000;gid=1000;symlinkroot=/mnt/,mmap,access=client,msize=65536,trans=fd,rfd=5,wfd=5", "9p", true },
        { "14 1 0:13 / /mnt/c rw,noatime - drvfs C:\\ rw,case=off", "drvfs", true },
        { "120 22 0:55 / /mnt/c rw,relatime shared:60 - nfs4 nas:/export/projects rw,vers=4.2,rsize=1048576,wsize=1048576,hard,proto=tcp", "nfs4", true },
        { "121 22 0:56 / /mnt/c rw,relatime shared:60 - nfs nas:/export/old rw,vers=3,hard,proto=tcp", "nfs", true },
        { "130 22 0:57 / /mnt/c rw,relatime shared:61 - cifs //nas/share rw,vers=3.1.1,cache=strict,username=dev,uid=1000", "cifs", true },
        { "140 22 0:58 / /mnt/c rw,nosuid,nodev,relatime shared:62 - fuse.sshfs dev@box:/srv rw,user_id=1000,group_id=1000", "fuse.sshfs", true },
        { "150 22 0:59 / /mnt/c rw,nodev,relatime shared:63 - vboxsf code rw,iocharset=utf8,uid=1000,gid=1000", "vboxsf", true },
        { "160 22 0:60 / /mnt/c rw,relatime shared:64 - virtiofs mount0 rw", "virtiofs", true },
        { "1500 1400 0:120 /Users/dev/app /mnt/c rw,relatime - fakeowner /run/host_mark/Users rw,fakeowner", "fakeowner", true },
        { "1501 1400 0:121 /app /mnt/c rw,nosuid,nodev,relatime - fuse.grpcfuse grpcfuse rw,user_id=0,group_id=0,allow_other,max_read=1048576", "fuse.grpcfuse", true },
        { "170 22 0:61 / /mnt/c rw,nosuid,nodev,relatime shared:65 - fuse.vmhgfs-fuse vmhgfs-fuse rw,user_id=0,group_id=0,allow_other", "fuse.vmhgfs-fuse", true },
        { "171 22 0:62 / /mnt/c rw,relatime - vmhgfs .host:/ rw,ttl=1", "vmhgfs", true },
        { "172 22 0:63 / /mnt/c rw,relatime - prl_fs none rw,sync,nosuid,nodev,noatime,share", "prl_fs", true },
        { "180 22 0:64 / /mnt/c rw,relatime - 9p hostshare rw,sync,dirsync,access=client,trans=virtio", "9p", true },
        { "181 22 0:65 / /mnt/c rw,relatime - v9fs hostshare rw,trans=virtio", "v9fs", true },
        { "190 22 0:66 / /mnt/c rw,relatime - ceph 10.0.0.1:6789:/ rw,name=admin,acl", "ceph", true },
        { "191 22 0:67 / /mnt/c rw,relatime - glusterfs gl1:/vol rw,user_id=0,group_id=0,default_permissions,allow_other", "glusterfs", true },
        { "192 22 0:68 / /mnt/c rw,relatime - afs AFS rw", "afs", true },
        { "193 22 0:69 / /mnt/c rw,relatime - lustre 10.0.0.2@tcp:/fs rw,flock", "lustre", true },
        { "194 22 0:70 / /mnt/c rw,nosuid,nodev,relatime - davfs https://dav.example.org/ rw,user_id=0,group_id=0", "davfs", true },
        { "200 22 0:71 / /mnt/c rw,nosuid,nodev,relatime - fuse.rclone gdrive: rw,user_id=1000,group_id=1000", "fuse.rclone", true },
        { "201 22 0:72 / /mnt/c rw,nosuid,nodev,relatime - fuse bindfs rw,user_id=1000,group_id=1000", "fuse", true },
        { "300 250 0:73 / /mnt/c rw,nodev,relatime - fuse.fuse-overlayfs fuse-overlayfs rw,user_id=0,group_id=0,default_permissions,allow_other", "fuse.fuse-overlayfs", false },
        { "301 250 0:74 / /mnt/c rw,nosuid,nodev,relatime - fuse.lxcfs lxcfs rw,user_id=0,group_id=0,allow_other", "fuse.lxcfs", false },
        { "302 22 8:17 / /mnt/c rw,relatime - fuseblk /dev/sdb1 rw,user_id=0,group_id=0,allow_other,blksize=4096", "fuseblk", false },
        { "310 22 8:33 / /mnt/c rw,relatime shared:70 - ext4 /dev/sdc rw,discard", "ext4", false },
        { "311 22 8:34 / /mnt/c rw,relatime - xfs /dev/sdd rw,attr2,inode64", "xfs", false },
        { "312 22 0:75 / /mnt/c rw,relatime - btrfs /dev/sde rw,ssd,space_cache=v2,subvolid=5,subvol=/", "btrfs", false },
        { "313 22 0:76 / /mnt/c rw,nosuid,nodev - tmpfs tmpfs rw,size=8G", "tmpfs", false },
        { "600 500 0:80 / /mnt/c rw,relatime - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/A:/var/lib/docker/overlay2/l/B", "overlay", false },
        { "314 22 0:77 / /mnt/c rw,noatime - zfs tank/home rw,xattr,posixacl", "zfs", false },
    };

    [Theory]
    [MemberData(nameof(Recorded))]
    public void Recorded_mount_lines_decide_polling(string line, string type, bool polling)
    {
        string[] lines = ["22 1 8:32 / / rw,relatime shared:1 - ext4 /dev/sdc rw,discard", line];
        var found = FolderFileSystem.OnLinux(lines, "/mnt/c/Users/dev/app", underWsl: false);

        Assert.NotNull(found);
        Assert.Equal(("/mnt/c", type), (found.MountPoint, found.Type));
        Assert.Equal(polling, found.NeedsPolling);
        Assert.Equal(polling, FileSystemTable.PollingReason(type) is not null);
    }

    [Theory]
    [MemberData(nameof(Recorded))]
    public void Watch_polls_exactly_where_doctor_says_polling_is_needed(string line, string type, bool polling)
    {
        using var folder = new TempFolder();
        using var scratch = new TempFolder();
        var mountTable = scratch.File("mountinfo");
        var fields = line.Split(' ');
        fields[4] = folder.Path.Replace(" ", "\\040", StringComparison.Ordinal);
        File.WriteAllLines(mountTable, File.ReadAllLines("/proc/self/mountinfo").Append(string.Join(' ', fields)));

        // Doctor's verdict is FolderFileSystem.Of on the real table; here the same call on the recorded one.
        var verdict = FolderFileSystem.Of(folder.Path, mountTable)!;
        using var watch = new WatcherHarness(WatcherKind.Events, [folder.Path], new WatchOptions { MountTable = mountTable });
        watch.Watcher.Start();

        Assert.Equal(type, verdict.Type);
        Assert.Equal(polling, verdict.NeedsPolling);
        Assert.Equal(verdict.NeedsPolling, watch.Watcher.IsPolling);
        Assert.Equal(polling ? verdict.PollingExplanation(folder.Path) : null, watch.Watcher.PollingReason);
    }

    [Theory]
    [InlineData("apfs", false)]
    [InlineData("hfs", false)]
    [InlineData("msdos", false)]
    [InlineData("exfat", false)]
    [InlineData("nfs", true)]
    [InlineData("smbfs", true)]
    [InlineData("afpfs", true)]
    [InlineData("webdav", true)]
    [InlineData("macfuse", true)]
    [InlineData("osxfuse", true)]
    [InlineData("vmhgfs", true)]
    public void MacOS_statfs_type_names_decide_polling(string fstypename, bool polling) =>
        Assert.Equal(polling, FileSystemTable.PollingReason(fstypename) is not null);

    [Theory]
    [InlineData(@"C:\Users\dev\app", 3u, "DRIVE_FIXED", @"C:\", false)]
    [InlineData(@"d:\work", 2u, "DRIVE_REMOVABLE", @"D:\", false)]
    [InlineData(@"Z:\projects\site", 4u, "DRIVE_REMOTE", @"Z:\", true)]
    [InlineData(@"\\nas\share\site", 0u, "DRIVE_REMOTE", @"\\nas\share\", true)]
    [InlineData(@"\\?\UNC\nas\share\site", 0u, "DRIVE_REMOTE", @"\\nas\share\", true)]
    [InlineData(@"\\?\C:\Users\dev\app", 3u, "DRIVE_FIXED", @"C:\", false)]
    [InlineData(@"\\wsl$\Ubuntu\home\dev\app", 0u, "WSL", @"\\wsl$\Ubuntu\", true)]
    [InlineData(@"\\wsl.localhost\Ubuntu-24.04\home\dev\app", 0u, "WSL", @"\\wsl.localhost\Ubuntu-24.04\", true)]
    [InlineData(@"\\WSL.LOCALHOST\Debian\srv", 0u, "WSL", @"\\WSL.LOCALHOST\Debian\", true)]
    public void Windows_paths_and_drive_types_decide_polling(string path, uint driveType, string type, string mountPoint, bool polling)
    {
        var asked = new List<string>();
        var found = FolderFileSystem.OnWindows(path, root =>
        {
            asked.Add(root);
            return driveType;
        });

        Assert.Equal((type, mountPoint, polling), (found.Type, found.MountPoint, found.NeedsPolling));
        Assert.Equal(path.Contains(':', StringComparison.Ordinal) ? [mountPoint] : [], asked);
    }

    [Fact]
    public void Under_wsl_a_9p_mount_is_explained_as_a_windows_drive()
    {
        string[] lines = ["22 1 8:32 / / rw - ext4 /dev/sdc rw", "60 22 0:52 / /mnt/c rw,noatime - 9p drvfs rw,aname=drvfs;path=C:\\"];
        Assert.Equal("a Windows drive seen from WSL: saves made by Windows programs send no events",
            FolderFileSystem.OnLinux(lines, "/mnt/c/x", underWsl: true)!.PollingReason);
        Assert.Equal("a 9p share: saves made on the other side send no events",
            FolderFileSystem.OnLinux(lines, "/mnt/c/x", underWsl: false)!.PollingReason);
    }

    [Theory]
    [InlineData("/home/dev/app", "/", "ext4")]
    [InlineData("/mnt/cache", "/", "ext4")]
    [InlineData("/home/dev/my share/site", "/home/dev/my share", "cifs")]
    [InlineData("/home/dev/fast", "/home/dev/fast", "tmpfs")]
    [InlineData("/home/dev/fast/", "/home/dev/fast", "tmpfs")]
    public void The_longest_containing_mount_decides_and_the_last_of_stacked_mounts_wins(string folder, string mountPoint, string type)
    {
        string[] lines =
        [
            "22 1 8:32 / / rw,relatime shared:1 - ext4 /dev/sdc rw,discard",
            "70 22 0:60 / /home/dev/my\\040share rw,relatime - cifs //nas/share rw",
            "80 22 8:33 / /home/dev/fast rw - xfs /dev/sdd rw",
            "81 80 0:61 / /home/dev/fast rw - tmpfs tmpfs rw",
        ];
        var found = FolderFileSystem.OnLinux(lines, folder, underWsl: false)!;
        Assert.Equal((mountPoint, type), (found.MountPoint, found.Type));
    }

    [Fact]
    public void The_statfs_path_used_on_macos_finds_the_same_mount_point_as_the_mount_table()
    {
        using var folder = new TempFolder();
        foreach (var path in new[] { "/", folder.Path, "/proc", "/dev/shm" }.Where(Directory.Exists))
        {
            var fromTable = FolderFileSystem.Of(path)!;
            var viaStatfs = FolderFileSystem.ViaStatfs(path);
            Assert.NotNull(viaStatfs);
            Assert.Equal(fromTable.MountPoint, viaStatfs.MountPoint);
        }
    }
}
