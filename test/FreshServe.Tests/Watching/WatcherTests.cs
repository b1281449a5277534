using FreshServe.Tests.Infrastructure;
using FreshServe.Watching;

namespace FreshServe.Tests.Watching;

/// <summary>Every kind of change, against both watchers, on real folders.</summary>
public sealed class WatcherTests
{
    public static TheoryData<WatcherKind> Kinds => new() { WatcherKind.Events, WatcherKind.Polling };

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task An_in_place_write_is_reported(WatcherKind kind)
    {
        using var folder = new TempFolder();
        var file = folder.Write("src/app.py", "one");
        using var watch = new WatcherHarness(kind, [folder.Path]).Start();

        await File.AppendAllTextAsync(file, "two");
        await watch.WaitForAsync("src/app.py");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task An_atomic_save_by_temp_file_and_rename_reports_the_saved_file(WatcherKind kind)
    {
        using var folder = new TempFolder();
        var file = folder.Write("app.py", "one");
        using var watch = new WatcherHarness(kind, [folder.Path]).Start();

        var temp = folder.Write(".app.py.tmp123", "two, longer");
        File.Move(temp, file, overwrite: true);
        await watch.WaitForAsync("app.py");
        Assert.Equal("two, longer", await File.ReadAllTextAsync(file));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_vim_style_save_reports_only_the_saved_file(WatcherKind kind)
    {
        using var folder = new TempFolder();
        var file = folder.Write("app.py", "one");
        using var watch = new WatcherHarness(kind, [folder.Path]).Start();

        // vim with backupcopy=no: swap file, original renamed to a backup, new file written, backup and swap deleted.
        var swap = folder.Write(".app.py.swp", "swap");
        File.Move(file, folder.File("app.py~"));
        folder.Write("app.py", "two, longer");
        File.Delete(folder.File("app.py~"));
        File.Delete(swap);
        await Task.Delay(WatcherHarness.TestPollInterval * 3);
        await watch.WaitForAsync("app.py");
        Assert.Equal(["app.py"], watch.RelativeChanges.Distinct());
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_delete_is_reported(WatcherKind kind)
    {
        using var folder = new TempFolder();
        var file = folder.Write("app.py", "one");
        using var watch = new WatcherHarness(kind, [folder.Path]).Start();

        File.Delete(file);
        await watch.WaitForAsync("app.py");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_rename_reports_both_names(WatcherKind kind)
    {
        using var folder = new TempFolder();
        var file = folder.Write("old.py", "one");
        using var watch = new WatcherHarness(kind, [folder.Path]).Start();

        File.Move(file, folder.File("new.py"));
        await watch.WaitForAsync("old.py");
        await watch.WaitForAsync("new.py");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Each_change_says_what_happened_to_the_path(WatcherKind kind)
    {
        using var folder = new TempFolder();
        using var watch = new WatcherHarness(kind, [folder.Path]).Start();

        var file = folder.Write("new.py", "one");
        await watch.WaitForAsync("new.py");
        Assert.Equal(ChangeKind.Created, watch.KindsOf("new.py")[0]);

        await Task.Delay(WatcherHarness.TestPollInterval * 2);
        watch.Clear();
        await File.AppendAllTextAsync(file, "two");
        await watch.WaitForAsync("new.py");
        Assert.All(watch.KindsOf("new.py"), k => Assert.Equal(ChangeKind.Changed, k));

        watch.Clear();
        File.Move(file, folder.File("moved.py"));
        await watch.WaitForAsync("new.py");
        await watch.WaitForAsync("moved.py");
        Assert.Equal([ChangeKind.Deleted], watch.KindsOf("new.py"));
        // Events know it was a rename; a scan only sees a file that appeared.
        Assert.Equal(kind == WatcherKind.Events ? ChangeKind.Renamed : ChangeKind.Created, watch.KindsOf("moved.py")[0]);

        watch.Clear();
        File.Delete(folder.File("moved.py"));
        await watch.WaitForAsync("moved.py");
        Assert.Equal([ChangeKind.Deleted], watch.KindsOf("moved.py"));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_folder_created_after_start_and_files_written_in_it_are_reported(WatcherKind kind)
    {
        using var folder = new TempFolder();
        folder.Write("node_modules/x/index.js", "x"); // so the root gets a flat watcher and new folders need their own
        using var watch = new WatcherHarness(kind, [folder.Path]).Start();

        // Written at once, before any watcher could be set on the new folders.
        folder.Write("pkg/deep/er/mod.py", "one");
        await watch.WaitForAsync("pkg/deep/er/mod.py");

        // And a later write into the new folder.
        watch.Clear();
        await File.WriteAllTextAsync(folder.File("pkg/deep/er/mod.py"), "two");
        await watch.WaitForAsync("pkg/deep/er/mod.py");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_folder_deleted_and_recreated_is_still_watched(WatcherKind kind)
    {
        using var folder = new TempFolder();
        folder.Write(".git/HEAD", "ref");
        folder.Write("pkg/mod.py", "one");
        using var watch = new WatcherHarness(kind, [folder.Path]).Start();

        Directory.Delete(folder.File("pkg"), recursive: true);
        await watch.WaitForAsync("pkg/mod.py");
        // Cleared before the write: a report that came first must not be lost.
        await Task.Delay(WatcherHarness.TestPollInterval * 2);
        watch.Clear();
        folder.Write("pkg/mod.py", "two");
        await watch.WaitForAsync("pkg/mod.py");

        watch.Clear();
        await File.WriteAllTextAsync(folder.File("pkg/mod.py"), "three, later");
        await watch.WaitForAsync("pkg/mod.py");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_symlinked_folder_is_one_entry_whose_creation_and_removal_are_reported_and_which_is_not_followed(WatcherKind kind)
    {
        using var folder = new TempFolder();
        using var away = new TempFolder();
        var shared = Path.Combine(away.Path, "shared");
        Directory.CreateDirectory(shared);
        File.WriteAllText(Path.Combine(shared, "util.py"), "one");
        folder.Write("app.py", "one");
        using var watch = new WatcherHarness(kind, [folder.Path]).Start();

        var link = Directory.CreateSymbolicLink(folder.File("shared"), shared).FullName;
        await watch.WaitForAsync("shared");
        File.WriteAllText(Path.Combine(shared, "util.py"), "two, through the link");
        await Task.Delay(WatcherHarness.TestPollInterval * 3);
        folder.Write("app.py", "two");
        await watch.WaitForAsync("app.py");
        Assert.Equal(["app.py", "shared"], watch.RelativeChanges.Distinct().Order(StringComparer.Ordinal));

        watch.Clear();
        File.Delete(link);
        await watch.WaitForAsync("shared");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_folder_moved_out_of_the_tree_just_before_a_write_leaves_the_watcher_working(WatcherKind kind)
    {
        using var folder = new TempFolder();
        using var away = new TempFolder();
        folder.Write("dist/bundle.js", "x");
        using var watch = new WatcherHarness(kind, [folder.Path]).Start();

        // On .NET 10 this kills a recursive event watcher without a word (dotnet/runtime#133420): both changes are
        // lost. It must be noticed and counted as a change, and watching must go on.
        Directory.Move(folder.File("dist"), Path.Combine(away.Path, "dist"));
        folder.Write("new.py", "x");
        await watch.WaitUntilAsync(() => watch.Lost || watch.RelativeChanges.Contains("new.py"), "the change to be seen");

        // Written again until seen: after a restart of the watchers, the next write is seen.
        for (var i = 0; !watch.RelativeChanges.Contains("app.py"); i++)
        {
            Assert.True(i < 150, $"{kind}: a later write was never reported. Reported: [{string.Join(", ", watch.RelativeChanges)}]\n{string.Join('\n', watch.Log.Lines)}");
            folder.Write("app.py", $"edit {i}");
            await Task.Delay(100);
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_watch_root_that_disappears_is_reported_and_watched_again_when_it_comes_back(WatcherKind kind)
    {
        using var parent = new TempFolder();
        var root = Path.Combine(parent.Path, "site");
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, "app.py"), "one");
        using var watch = new WatcherHarness(kind, [root]).Start();

        Directory.Move(root, Path.Combine(parent.Path, "site-away"));
        await watch.WaitUntilAsync(() => watch.Log.Lines.Any(l => l.Contains($"watch folder {root} is gone", StringComparison.Ordinal)), "the gone message");

        Directory.Move(Path.Combine(parent.Path, "site-away"), root);
        await watch.WaitUntilAsync(() => watch.Log.Lines.Any(l => l.Contains($"watch folder {root} is back", StringComparison.Ordinal)), "the back message");
        await watch.WaitUntilAsync(() => watch.Changes.Contains(root), "the root's return to count as a change");

        watch.Clear();
        await File.WriteAllTextAsync(Path.Combine(root, "app.py"), "two, after");
        await watch.WaitForAsync("app.py");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Writes_in_default_ignored_places_are_not_reported(WatcherKind kind)
    {
        using var folder = new TempFolder();
        folder.Write("node_modules/lib/index.js", "x");
        folder.Write(".git/HEAD", "x");
        folder.Write("src/__pycache__/app.cpython-313.pyc", "x");
        folder.Write("src/app.py", "x");
        using var watch = new WatcherHarness(kind, [folder.Path]).Start();

        folder.Write("node_modules/lib/index.js", "changed");
        folder.Write("node_modules/new/pkg/index.js", "new");
        folder.Write(".git/index", "changed");
        folder.Write(".git/objects/ab/cdef", "new");
        folder.Write("src/__pycache__/app.cpython-313.pyc", "changed");
        folder.Write("src/.app.py.swp", "swap");
        folder.Write("src/app.py~", "backup");
        folder.Write("src/4913", "vim probe");
        folder.Write("src/stale.pyc", "bytecode");
        // A kept write after the ignored ones: once it is reported, any ignored one would have been too.
        await Task.Delay(WatcherHarness.TestPollInterval * 2);
        folder.Write("src/app.py", "changed");
        await watch.WaitForAsync("src/app.py");
        Assert.Equal(["src/app.py"], watch.RelativeChanges.Distinct());
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Deleting_ignored_or_excluded_files_and_folders_or_moving_them_away_reports_nothing(WatcherKind kind)
    {
        using var folder = new TempFolder();
        using var away = new TempFolder();
        string[] doomed = [".app.py.swp", "app.py~", "stale.pyc", "views_test.py", "tests/test_app.py", "dist/bundle.js"];
        foreach (var path in doomed)
        {
            folder.Write(path, "x");
        }

        var options = new WatchOptions { Exclude = ["*_test.py", "tests/**", "dist"] };
        using var watch = new WatcherHarness(kind, [folder.Path], options).Start();

        foreach (var path in doomed)
        {
            File.Delete(folder.File(path));
        }

        Directory.Delete(folder.File("tests"));
        Directory.CreateDirectory(folder.File("tests/unit"));
        // One folder moved away, last: a second directory event right after it kills .NET's recursive inotify
        // watcher on Linux (dotnet/runtime#133420), which is not what this test is about.
        Directory.Move(folder.File("dist"), Path.Combine(away.Path, "dist"));
        await Task.Delay(WatcherHarness.TestPollInterval * 3);
        folder.Write("app.py", "kept");
        await watch.WaitForAsync("app.py");
        Assert.Equal(["app.py"], watch.RelativeChanges.Distinct());
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task No_default_ignore_reports_writes_in_node_modules(WatcherKind kind)
    {
        using var folder = new TempFolder();
        folder.Write("node_modules/lib/index.js", "x");
        using var watch = new WatcherHarness(kind, [folder.Path], new WatchOptions { DefaultIgnores = false }).Start();

        folder.Write("node_modules/lib/index.js", "changed");
        await watch.WaitForAsync("node_modules/lib/index.js");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Gitignored_paths_are_not_reported_unless_no_gitignore(WatcherKind kind)
    {
        using var folder = new TempFolder();
        folder.Write(".gitignore", "*.out\n/dist/\n");
        folder.Write("web/.gitignore", "generated.py\n");
        folder.Write(".git/info/exclude", "scratch/\n");
        folder.Write("dist/bundle.js", "x");
        folder.Write("scratch/notes.txt", "x");

        using (var watch = new WatcherHarness(kind, [folder.Path]).Start())
        {
            folder.Write("server.out", "line");
            folder.Write("dist/bundle.js", "changed");
            folder.Write("dist/more/chunk.js", "new");
            folder.Write("scratch/notes.txt", "changed");
            folder.Write("web/generated.py", "generated");
            await Task.Delay(WatcherHarness.TestPollInterval * 2);
            folder.Write("web/view.py", "kept");
            await watch.WaitForAsync("web/view.py");
            Assert.Equal(["web/view.py"], watch.RelativeChanges.Distinct());
        }

        using (var watch = new WatcherHarness(kind, [folder.Path], new WatchOptions { GitIgnore = false }).Start())
        {
            folder.Write("web/generated.py", "generated again");
            await watch.WaitForAsync("web/generated.py");
            folder.Write("dist/bundle.js", "changed again");
            await watch.WaitForAsync("dist/bundle.js");
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_path_ignored_by_a_gitignore_that_changes_is_judged_again(WatcherKind kind)
    {
        using var folder = new TempFolder();
        folder.Write(".gitignore", "*.out\n");
        folder.Write("server.out", "one");
        using var watch = new WatcherHarness(kind, [folder.Path]).Start();

        folder.Write("server.out", "two");
        await Task.Delay(WatcherHarness.TestPollInterval * 3);
        Assert.DoesNotContain("server.out", watch.RelativeChanges);

        folder.Write(".gitignore", "# nothing ignored now\n");
        await watch.WaitForAsync(".gitignore");
        await Task.Delay(WatcherHarness.TestPollInterval * 3);
        folder.Write("server.out", "three, and a different size");
        await watch.WaitForAsync("server.out");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_folder_a_gitignore_edit_stops_ignoring_is_watched_from_then_on(WatcherKind kind)
    {
        using var folder = new TempFolder();
        folder.Write(".gitignore", "gen/\n");
        folder.Write("gen/models.py", "one");
        folder.Write("src/app.py", "one");
        using var watch = new WatcherHarness(kind, [folder.Path]).Start();

        folder.Write(".gitignore", "# gen is source now\n");
        await watch.WaitForAsync(".gitignore");
        // Written again until seen: the watchers are planned again just after the edit is reported.
        for (var i = 0; !watch.RelativeChanges.Contains("gen/models.py"); i++)
        {
            Assert.True(i < 150, $"{kind}: a write in gen/ was never reported. Reported: [{string.Join(", ", watch.RelativeChanges)}]");
            folder.Write("gen/models.py", $"edit {i}");
            await Task.Delay(100);
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_gitignore_edit_takes_effect_when_only_globs_leave_the_gitignore_itself_out(WatcherKind kind)
    {
        using var folder = new TempFolder();
        folder.Write(".gitignore", "gen/\n");
        folder.Write("gen/models.py", "one");
        folder.Write("src/app.py", "one");
        using var watch = new WatcherHarness(kind, [folder.Path], new WatchOptions { Only = ["*.py"] }).Start();

        folder.Write(".gitignore", "src/\n");
        // Written again until seen: the new rules apply just after the edit is noticed, which nothing reports.
        for (var i = 0; !watch.RelativeChanges.Contains("gen/models.py"); i++)
        {
            Assert.True(i < 150, $"{kind}: a write in gen/ was never reported. Reported: [{string.Join(", ", watch.RelativeChanges)}]");
            folder.Write("gen/models.py", $"edit {i}");
            await Task.Delay(100);
        }

        // And the folder the edit ignores now is left out: once the later kept write is seen, it would have been too.
        watch.Clear();
        folder.Write("src/app.py", "two");
        await Task.Delay(WatcherHarness.TestPollInterval * 2);
        folder.Write("gen/models.py", "last");
        await watch.WaitForAsync("gen/models.py");
        Assert.Equal(["gen/models.py"], watch.RelativeChanges.Distinct());
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Only_and_exclude_globs_select_the_files(WatcherKind kind)
    {
        using var folder = new TempFolder();
        var options = new WatchOptions { Only = ["*.py", "templates/**/*.html"], Exclude = ["**/test_*.py"] };
        using var watch = new WatcherHarness(kind, [folder.Path], options).Start();

        folder.Write("readme.md", "not included");
        folder.Write("app/test_views.py", "excluded");
        folder.Write("static/site.html", "not under templates");
        await Task.Delay(WatcherHarness.TestPollInterval * 2);
        folder.Write("app/views.py", "included anywhere");
        folder.Write("templates/a/page.html", "included");
        await watch.WaitForAsync("app/views.py");
        await watch.WaitForAsync("templates/a/page.html");
        Assert.Equal(["app/views.py", "templates/a/page.html"], watch.RelativeChanges.Distinct().Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task An_include_glob_adds_files_inside_folders_the_ignores_skip(WatcherKind kind)
    {
        using var folder = new TempFolder();
        folder.Write(".gitignore", "dist/\n");
        folder.Write("dist/app.js", "one");
        folder.Write("target/debug/app", "one");
        var options = new WatchOptions { Only = ["vite.config.*"], Include = ["dist/**", "*.log"] };
        using var watch = new WatcherHarness(kind, [folder.Path], options).Start();

        folder.Write("target/debug/app", "default-ignored, not included");
        folder.Write("src/main.ts", "not in --only");
        await Task.Delay(WatcherHarness.TestPollInterval * 2);
        folder.Write("dist/app.js", "gitignored, but included");
        folder.Write("server.log", "default-ignored, but included");
        folder.Write("vite.config.ts", "only");
        await watch.WaitForAsync("dist/app.js");
        await watch.WaitForAsync("server.log");
        await watch.WaitForAsync("vite.config.ts");
        Assert.Equal(["dist/app.js", "server.log", "vite.config.ts"], watch.RelativeChanges.Distinct().Order(StringComparer.Ordinal));
    }
}
