using System.Diagnostics;
using FreshServe.Tests.Infrastructure;
using FreshServe.Watching;

namespace FreshServe.Tests.Watching;

/// <summary>Which file system a folder is on, and the switch to polling when it delivers no events.</summary>
public sealed class FallbackTests
{
    [Fact]
    public void The_mount_table_gives_the_same_file_system_type_as_findmnt()
    {
        using var folder = new TempFolder();
        foreach (var path in new[] { "/proc", "/", folder.Path, "/dev/shm" }.Where(Directory.Exists))
        {
            Assert.Equal(Findmnt(path), FolderFileSystem.Of(path)!.Type);
        }
    }

    [Fact]
    public async Task A_root_on_a_file_system_without_events_is_polled_and_the_reason_logged_once()
    {
        using var folder = new TempFolder();
        using var scratch = new TempFolder();
        // The machine's real mount table, plus the test folder mounted as sshfs, as /proc/self/mountinfo writes it.
        var mountTable = scratch.File("mountinfo");
        var escaped = folder.Path.Replace(" ", "\\040", StringComparison.Ordinal);
        File.WriteAllLines(mountTable, File.ReadAllLines("/proc/self/mountinfo")
            .Append($"999 1 0:99 / {escaped} rw,nosuid,nodev,relatime shared:999 - fuse.sshfs user@host:/srv rw,user_id=0,group_id=0"));
        var file = folder.Write("app.py", "one");

        using var watch = new WatcherHarness(WatcherKind.Events, [folder.Path], new WatchOptions { MountTable = mountTable });
        watch.Watcher.Start();

        Assert.True(watch.Watcher.IsPolling);
        Assert.Contains("fuse.sshfs", watch.Watcher.PollingReason, StringComparison.Ordinal);
        Assert.Single(watch.Log.Lines, l => l.Contains("instead of file events", StringComparison.Ordinal) && l.Contains("fuse.sshfs", StringComparison.Ordinal));

        await File.WriteAllTextAsync(file, "two, polled");
        await watch.WaitForAsync("app.py");
    }

    [Fact]
    public void The_event_watcher_spends_no_watcher_on_ignored_folders()
    {
        using var folder = new TempFolder();
        folder.Write("node_modules/a/b/c/index.js", "x");
        folder.Write(".git/objects/ab/cd", "x");
        folder.Write("src/__pycache__/m.pyc", "x");
        folder.Write("src/pkg/mod.py", "x");
        folder.Write("static/css/site.css", "x");
        folder.Write("templates/page.html", "x");

        using var watcher = new EventFileWatcher([folder.Path], new PathFilter([folder.Path], new WatchOptions()));
        watcher.Start();

        var watched = watcher.Watched.ToDictionary(w => Path.GetRelativePath(folder.Path, w.Key), w => w.Value);
        Assert.Equal(new Dictionary<string, bool>
        {
            ["."] = false,            // holds node_modules and .git: flat
            ["src"] = false,          // holds __pycache__: flat
            [Path.Combine("src", "pkg")] = true,
            ["static"] = true,
            ["templates"] = true,
        }, watched);
    }

    private static string Findmnt(string path)
    {
        var info = new ProcessStartInfo("findmnt", ["-n", "-o", "FSTYPE", "-T", path]) { RedirectStandardOutput = true };
        using var findmnt = Process.Start(info)!;
        // Stacked mounts list several lines; the last one mounted is the one in effect.
        var output = findmnt.StandardOutput.ReadToEnd().Trim();
        Assert.True(findmnt.WaitForExit(10_000));
        return output.Split('\n')[^1];
    }
}
