namespace FreshServe.Watching;

/// <summary>
/// The one answer to "does a folder on this kind of file system need polling, and why". <c>watch</c> (which falls back
/// to polling) and <c>doctor</c> (which explains) both read it, so they always agree. The types are the names each
/// system gives: Linux /proc/self/mountinfo, macOS statfs f_fstypename, Windows GetDriveType (DRIVE_REMOTE) and
/// <see cref="Wsl"/> for a \\wsl$ path. A type not listed delivers events for every save.
/// </summary>
public static class FileSystemTable
{
    /// <summary>The type given to a \\wsl$\ or \\wsl.localhost\ path on Windows.</summary>
    public const string Wsl = "WSL";

    private const string SavedElsewhere = "saves made on other machines send no events";

    /// <summary>Why change events do not arrive from this file system, as "what it is: what is missed", or null when they do.</summary>
    public static string? PollingReason(string type, bool underWsl = false) => type switch
    {
        "9p" or "v9fs" or "drvfs" when underWsl || type == "drvfs" => "a Windows drive seen from WSL: saves made by Windows programs send no events",
        "9p" or "v9fs" => "a 9p share: saves made on the other side send no events",
        "nfs" or "nfs4" => $"an NFS share: {SavedElsewhere}",
        "cifs" or "smb3" or "smbfs" => $"a Windows (SMB) share: {SavedElsewhere}",
        "afpfs" => $"an Apple (AFP) share: {SavedElsewhere}",
        "webdav" or "davfs" => $"a WebDAV folder: {SavedElsewhere}",
        "afs" or "ceph" or "glusterfs" or "lustre" => $"a network file system: {SavedElsewhere}",
        "vboxsf" => "a VirtualBox shared folder: saves made on the host send no events",
        "vmhgfs" or "fuse.vmhgfs-fuse" => "a VMware shared folder: saves made on the host send no events",
        "prl_fs" => "a Parallels shared folder: saves made on the host send no events",
        "virtiofs" => "a host folder shared into a VM (virtiofs: Docker Desktop, Lima, Podman): saves made on the host may send no events",
        "fakeowner" or "fuse.grpcfuse" => "a Docker Desktop bind mount: saves made on the host may send no events",
        "fuse.sshfs" => "an sshfs mount: saves made on the remote machine send no events",
        "DRIVE_REMOTE" => $"a network drive or share: {SavedElsewhere}",
        Wsl => "a WSL folder seen from Windows: saves made by Linux programs send no events",

        // FUSE serves files from anywhere (a remote machine, a cloud bucket, another folder); only saves made through
        // the mount itself are seen. The two below are local and only ever written through the mount.
        "fuse.fuse-overlayfs" or "fuse.lxcfs" => null,
        "fuse" or "macfuse" or "osxfuse" or "osxfusefs" => "a FUSE file system: saves made behind it (on the other side of the mount) may send no events",
        _ when type.StartsWith("fuse.", StringComparison.Ordinal) => "a FUSE file system: saves made behind it (on the other side of the mount) may send no events",
        _ when type.StartsWith("nfs", StringComparison.Ordinal) => $"an NFS share: {SavedElsewhere}",
        _ => null,
    };
}
