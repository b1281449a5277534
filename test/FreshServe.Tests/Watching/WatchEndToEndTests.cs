using System.Diagnostics;
using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Watching;

/// <summary>The built tool, used as a new user would: bursts, ignored folders, atomic saves, polling, fallback.</summary>
public sealed class WatchEndToEndTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    // Prints what the worker was told changed, then stays up until stopped.
    private static readonly string[] ShowChanged = ["sh", "-c", "echo \"worker changed=[$FRESHSERVE_CHANGED] generation $FRESHSERVE_GENERATION\"; exec sleep 600"];

    [Fact]
    public async Task Two_hundred_files_written_at_once_plus_one_edit_give_exactly_one_restart()
    {
        using var folder = new TempFolder();
        var app = folder.Write("app.py", "one");
        // A longer window than the default: this machine may be loaded enough to pause the writer mid-burst, and the
        // test is about coalescing, not about the default (which bench/ measures against real bursts).
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch", "--debounce", "500ms", "--", .. ShowChanged]);
        await fs.WaitForLineAsync(@"worker changed=\[\] generation 1", Patience);

        for (var i = 0; i < 200; i++)
        {
            folder.Write($"data/item{i:D3}.json", $"{{\"n\": {i}}}");
        }

        File.WriteAllText(app, "two");
        var worker = await fs.WaitForLineAsync(@"worker changed=.* generation 2", Patience);
        Assert.True(fs.Count("restarting") == 1, fs.Output);
        Assert.Matches(@"↻ .+ changed; restarting", fs.Lines.Single(l => l.Contains("restarting", StringComparison.Ordinal)));
        // FRESHSERVE_CHANGED names the burst's files, relative and capped.
        var listed = worker.Split('[', ']')[1].Split(':');
        Assert.Equal(100, listed.Length);
        Assert.All(listed, path => Assert.Matches(@"^(data|data/item\d{3}\.json|app\.py)$", path));

        // The next edit makes generation 3: the burst restarted exactly once.
        File.WriteAllText(folder.File("data/item000.json"), "{}");
        await fs.WaitForLineAsync(@"worker changed=\[data/item000\.json\] generation 3", Patience);
        Assert.Equal(2, fs.Count("restarting"));
    }

    [Fact]
    public async Task Writes_inside_node_modules_git_and_pycache_restart_nothing()
    {
        using var folder = new TempFolder();
        folder.Write("node_modules/lib/index.js", "x");
        folder.Write(".git/HEAD", "ref: refs/heads/main");
        folder.Write("__pycache__/app.cpython-313.pyc", "x");
        folder.Write("sub/__pycache__/mod.cpython-313.pyc", "x");
        var app = folder.Write("app.py", "one");
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch", "--", .. ShowChanged]);
        await fs.WaitForLineAsync(@"generation 1", Patience);

        folder.Write("node_modules/lib/index.js", "changed");
        folder.Write("node_modules/fresh/package.json", "{}");
        folder.Write(".git/index", "changed");
        folder.Write(".git/refs/heads/main", "abc");
        folder.Write("__pycache__/app.cpython-313.pyc", "changed");
        folder.Write("sub/__pycache__/mod.cpython-313.pyc", "changed");
        folder.Write("sub/__pycache__/other.cpython-313.pyc", "new");
        await Task.Delay(300);
        File.WriteAllText(app, "two");

        // The first restart is the edit, and only the edit.
        await fs.WaitForLineAsync(@"worker changed=.* generation 2", Patience);
        Assert.Equal(1, fs.Count("restarting"));
        Assert.Matches(@"↻ app\.py changed; restarting", fs.Lines.Single(l => l.Contains("restarting", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_dot_env_file_the_gitignore_lists_is_still_watched_while_its_other_entries_are_not()
    {
        using var folder = new TempFolder();
        // The usual .gitignore keeps secrets out of git; the server still reads them at start-up.
        folder.Write(".gitignore", ".env\n.env.*\nsecret.txt\n");
        var env = folder.Write(".env", "GREETING=one");
        var local = folder.Write(".env.local", "A=1");
        var secret = folder.Write("secret.txt", "x");
        await using var fs = FreshServeProcess.Start(folder.Path,
            ["watch", "--", "sh", "-c", "echo \"worker $(cat .env) generation $FRESHSERVE_GENERATION\"; exec sleep 600"]);
        await fs.WaitForLineAsync(@"worker GREETING=one generation 1", Patience);

        File.WriteAllText(env, "GREETING=two");
        await fs.WaitForLineAsync(@"worker GREETING=two generation 2", Patience);
        File.WriteAllText(local, "A=2");
        await fs.WaitForLineAsync(@"generation 3\) ← \.env\.local changed", Patience);

        // Other entries of the .gitignore still leave their files out: the next restart names only the edit.
        File.WriteAllText(secret, "y");
        File.WriteAllText(env, "GREETING=three");
        await fs.WaitForLineAsync(@"worker GREETING=three generation 4", Patience);
        Assert.DoesNotContain(fs.Lines, line => line.Contains("secret.txt", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Three_atomic_saves_give_three_restarts_named_after_the_saved_file()
    {
        using var folder = new TempFolder();
        var app = folder.Write("app.py", "v0");
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch", "--", .. ShowChanged]);
        await fs.WaitForLineAsync(@"generation 1", Patience);

        for (var save = 1; save <= 3; save++)
        {
            await RunAsync("sed", "-i", $"s/v{save - 1}/v{save}/", app);
            // sed's temp file (sedXXXXXX) came and went within the burst: neither the worker nor the line names it.
            await fs.WaitForLineAsync($@"worker changed=\[app\.py\] generation {save + 1}", Patience);
        }

        Assert.Equal(3, fs.Count("restarting"));
        Assert.All(fs.Lines.Where(l => l.Contains("restarting", StringComparison.Ordinal)),
            line => Assert.Matches(@"↻ app\.py changed; restarting", line));
        Assert.True(fs.Count("sed") == 0, fs.Output);
    }

    [Fact]
    public async Task A_file_created_and_deleted_at_once_restarts_nothing_and_is_never_named()
    {
        using var folder = new TempFolder();
        var app = folder.Write("app.py", "v0");
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch", "--", .. ShowChanged]);
        await fs.WaitForLineAsync(@"generation 1", Patience);

        // What a tool's temp file or go build's umask probe looks like: there and gone within a burst.
        for (var i = 0; i < 5; i++)
        {
            var temp = folder.Write($"probe-{i}.tmp", "x");
            File.Delete(temp);
        }

        await Task.Delay(1500);
        File.WriteAllText(app, "v1");
        await fs.WaitForLineAsync(@"worker changed=\[app\.py\] generation 2", Patience);
        Assert.True(fs.Count("probe") == 0, fs.Output);
    }

    [Fact]
    public async Task With_poll_an_edit_is_served()
    {
        using var folder = new TempFolder();
        var content = folder.Write("page.txt", "one");
        var port = FreePort.Get();
        await using var fs = FreshServeProcess.Start(folder.Path,
            ["watch", "--poll", "--poll-interval", "100ms", "--", TestPaths.TestServer, "--port", port.ToString(), "--content", content]);
        await fs.WaitForLineAsync(@"polling every 100 ms \(--poll\)", Patience);
        await fs.WaitForLineAsync(@"ready in .*generation 1", Patience);

        File.WriteAllText(content, "two");
        await fs.WaitForLineAsync(@"page\.txt changed; restarting", Patience);
        await fs.WaitForLineAsync(@"ready in .*generation 2", Patience);
        Assert.Contains("content=two", await Http.TryGetAsync(port));
    }

    [Fact]
    public async Task With_poll_a_burst_longer_than_the_poll_interval_gives_exactly_one_restart()
    {
        using var folder = new TempFolder();
        var app = folder.Write("app.py", "one");
        // The default interval; a window wider than the default, for a loaded machine (as in the test above).
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch", "--poll", "--debounce", "300ms", "--", .. ShowChanged]);
        await fs.WaitForLineAsync(@"worker changed=\[\] generation 1", Patience);

        // About 1.5 s of writes: several scans land inside the burst. On a thread of its own: a pool thread's 10 ms
        // delay can stretch past the debounce while the rest of the suite loads the machine, making two real bursts.
        await Task.Factory.StartNew(() =>
        {
            for (var i = 0; i < 150; i++)
            {
                folder.Write($"data/item{i:D3}.json", $"{{\"n\": {i}}}");
                Thread.Sleep(10);
            }
        }, TaskCreationOptions.LongRunning);

        File.WriteAllText(app, "two");
        await fs.WaitForLineAsync(@"worker changed=.* generation 2", Patience);

        // The next edit makes generation 3: the burst restarted exactly once.
        await Task.Delay(1000);
        File.WriteAllText(folder.File("data/item000.json"), "{}");
        await fs.WaitForLineAsync(@"worker changed=\[data/item000\.json\] generation 3", Patience);
        Assert.True(fs.Count("restarting") == 2, fs.Output);
    }

    [Fact]
    public async Task FRESHSERVE_POLL_1_polls()
    {
        using var folder = new TempFolder();
        var app = folder.Write("app.py", "one");
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch", "--poll-interval", "100ms", "--", .. ShowChanged],
            new Dictionary<string, string> { ["FRESHSERVE_POLL"] = "1" });
        await fs.WaitForLineAsync(@"polling every 100 ms \(FRESHSERVE_POLL=1\)", Patience);
        await fs.WaitForLineAsync(@"generation 1", Patience);
        File.WriteAllText(app, "two");
        await fs.WaitForLineAsync(@"worker changed=\[app\.py\] generation 2", Patience);
    }

    [Fact]
    public async Task When_no_inotify_instance_can_be_had_it_falls_back_to_polling_and_still_restarts()
    {
        using var folder = new TempFolder();
        var app = folder.Write("app.py", "one");
        // A user namespace of our own, whose inotify instance limit is 0: the event watcher fails for real.
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch", "--poll-interval", "100ms", "--", .. ShowChanged],
            wrapper: InUserNamespace("max_inotify_instances", 0));
        var fallback = await fs.WaitForLineAsync(@"instead of file events", Patience);
        Assert.Contains("inotify instance limit", fallback, StringComparison.Ordinal);
        await fs.WaitForLineAsync(@"generation 1", Patience);

        File.WriteAllText(app, "two");
        await fs.WaitForLineAsync(@"worker changed=\[app\.py\] generation 2", Patience);
        Assert.Equal(1, fs.Count("instead of file events"));
    }

    [Fact]
    public async Task When_the_watch_limit_runs_out_while_running_it_restarts_and_falls_back_to_polling()
    {
        using var folder = new TempFolder();
        var app = folder.Write("app.py", "one");
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch", "--poll-interval", "100ms", "--", .. ShowChanged],
            wrapper: InUserNamespace("max_inotify_watches", 3));
        await fs.WaitForLineAsync(@"generation 1", Patience);
        Assert.Equal(0, fs.Count("instead of file events"));

        // New folders need new watches, which the limit refuses: the watcher reports an error.
        folder.Write("a/b/c/d/e/new.py", "x");
        var fallback = await fs.WaitForLineAsync(@"instead of file events", Patience);
        Assert.Contains("inotify watch limit", fallback, StringComparison.Ordinal);
        await fs.WaitForLineAsync(@"generation 2", Patience);

        // Polling from now on: the next edit is still seen, and the switch was logged once.
        var generation2Restarts = fs.Count("restarting");
        await Task.Delay(500);
        File.WriteAllText(app, "two");
        await fs.WaitForLineAsync(@"worker changed=\[app\.py\] generation \d", Patience, count: 1);
        await fs.WaitForLineAsync(@"restarting", Patience, count: generation2Restarts + 1);
        Assert.Equal(1, fs.Count("instead of file events"));
    }

    [Fact]
    public async Task A_watch_root_that_disappears_is_reported_and_awaited()
    {
        using var parent = new TempFolder();
        var root = Path.Combine(parent.Path, "site");
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, "app.py"), "one");
        await using var fs = FreshServeProcess.Start(parent.Path, ["watch", "-w", root, "--", .. ShowChanged]);
        await fs.WaitForLineAsync(@"generation 1", Patience);

        Directory.Move(root, root + "-away");
        await fs.WaitForLineAsync(@"watch folder .*site is gone; waiting for it to come back", Patience);
        Directory.Move(root + "-away", root);
        await fs.WaitForLineAsync(@"watch folder .*site is back", Patience);
        await fs.WaitForLineAsync(@"worker changed=.* generation \d", Patience, count: 2);
    }

    [Fact]
    public async Task Bad_watch_options_are_one_line_usage_errors()
    {
        using var folder = new TempFolder();
        var (code, output) = await FreshServeProcess.RunAsync(folder.Path, "watch", "--poll-interval", "0", "--", "true");
        Assert.Equal(2, code);
        Assert.Contains("--poll-interval: 0 is too short; the least is 10ms", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    private static string[] InUserNamespace(string limit, int value) =>
        ["unshare", "-Ur", "sh", "-c", $"echo {value} > /proc/sys/user/{limit} && exec \"$@\"", "sh"];

    private static async Task RunAsync(string command, params string[] args)
    {
        using var process = Process.Start(command, args);
        await process.WaitForExitAsync().WaitAsync(Patience);
        Assert.Equal(0, process.ExitCode);
    }
}
