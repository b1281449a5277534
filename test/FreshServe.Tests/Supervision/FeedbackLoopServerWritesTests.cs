using System.Diagnostics;
using FreshServe.Supervision;
using FreshServe.Tests.Infrastructure;
using FreshServe.Watching;

namespace FreshServe.Tests.Supervision;

/// <summary>The evidence a write is the server's own: the command's build outputs, and real processes read from /proc.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class FeedbackLoopServerWritesTests
{
    [Theory]
    [InlineData("sh|-c|go build -o app . && ./app --port 8080", "app")]
    [InlineData("sh|-c|go build -o=bin/server ./cmd/server; exec bin/server", "bin/server")]
    [InlineData("bash|-c|go build -v -o out/x&&out/x", "out/x")]
    [InlineData("sh|-c|go build . && ./app", "")]
    [InlineData("sh|-c|go build -o bin/ ./... && bin/app", "")]
    [InlineData("go|run|.", "")]
    [InlineData("sh|-c|go vet ./... && go run . -o x", "")]
    [InlineData("sh|-c|go build -o app . && go build -o app ./cmd && ./app", "app|app")]
    public void Build_outputs_are_read_from_the_command(string commandLine, string expected)
    {
        var words = commandLine.Split('|');
        Assert.Equal(expected.Length == 0 ? [] : expected.Split('|'), BuildOutputs.Of(words[0], words[1..]));
        // Named twice, it is still one output.
        _ = new ServerWrites([Path.GetTempPath()], Path.GetTempPath(), words[0], words[1..]);
    }

    [Fact]
    public async Task A_folder_the_tree_writes_into_is_its_own_a_root_file_only_by_name_and_an_edit_beside_it_is_not()
    {
        Assert.True(OperatingSystem.IsLinux(), "open files are read from /proc");
        using var folder = new TempFolder();
        folder.Write("gen/.keep", "");
        var app = folder.Write("app.py", "x");
        folder.Write("src/app.py", "x");
        // A server that keeps a trace file in gen/ and an output file beside the sources open, as next's trace and
        // loggers do; its log in src/ is ignored (*.log), so it says nothing about src/.
        using var server = Start(folder.Path, "exec 3>>gen/trace 4>>server.out 5>>src/server.log; exec sleep 60");
        try
        {
            var writes = new ServerWrites([folder.Path], folder.Path, "sh", ["-c", "true"]);
            await EventuallyAsync(() =>
            {
                writes.Sample(server.Id);
                return writes.MayBeOwn(folder.File("gen/chunk-1.js")) && writes.MayBeOwn(folder.File("server.out"));
            });

            Assert.True(writes.MayBeOwn(folder.File("gen/sub/chunk-2.js")));
            Assert.False(writes.MayBeOwn(app));
            Assert.False(writes.MayBeOwn(folder.File("other.out")));
            Assert.False(writes.MayBeOwn(folder.File("src/app.py")));

            var (others, own) = await writes.JudgeAsync(
                [new FileChange(folder.File("gen/chunk-1.js"), ChangeKind.Created), new FileChange(app, ChangeKind.Changed)],
                server.Id, () => false, CancellationToken.None);
            Assert.Equal([new FileChange(app, ChangeKind.Changed)], others);
            var judged = Assert.Single(own);
            Assert.Equal(("gen/", "gen/**", true), (judged.Path, judged.Exclude, judged.FirstTime));
            Assert.Matches(@"pid \d+ writes into it", judged.Evidence);

            // The folder itself, reported before its files (as a new folder can be): still named as the folder.
            (others, own) = await writes.JudgeAsync([new FileChange(folder.File("gen"), ChangeKind.Created)], server.Id, () => false, CancellationToken.None);
            Assert.Empty(others);
            judged = Assert.Single(own);
            Assert.Equal(("gen/", "gen/**"), (judged.Path, judged.Exclude));
        }
        finally
        {
            await StopAsync(server);
        }
    }

    [Fact]
    public async Task A_program_built_while_the_server_starts_is_waited_for_as_long_as_the_start_not_a_fixed_second()
    {
        Assert.True(OperatingSystem.IsLinux(), "programs are read from /proc/PID/exe");
        using var folder = new TempFolder();
        var program = folder.File("app");
        File.Copy("/bin/sleep", program);
        // The tree runs what it built only after 2.5 s, well past the 1 s wait that applies once a server is past its
        // start (1.5 s was too close: on a loaded machine one look at the tree can take long enough to see it run).
        const string Script = "sleep 2.5; exec ./app 60";
        var writes = new ServerWrites([folder.Path], folder.Path, "sh", ["-c", Script]);
        using (var late = Start(folder.Path, Script))
        {
            try
            {
                var (others, own) = await writes.JudgeAsync([new FileChange(program, ChangeKind.Changed)], late.Id, () => false, CancellationToken.None);
                Assert.Equal([new FileChange(program, ChangeKind.Changed)], others);
                Assert.Empty(own);
            }
            finally
            {
                await StopAsync(late);
            }
        }

        using var lateWhileStarting = Start(folder.Path, Script);
        try
        {
            var (others, own) = await writes.JudgeAsync([new FileChange(program, ChangeKind.Changed)], lateWhileStarting.Id, () => true, CancellationToken.None);
            Assert.Empty(others);
            Assert.Matches(@"pid \d+ already runs the new build", Assert.Single(own).Evidence);
        }
        finally
        {
            await StopAsync(lateWhileStarting);
        }
    }

    [Fact]
    public async Task A_changed_program_the_tree_runs_is_its_own_and_one_it_runs_an_older_copy_of_is_not()
    {
        Assert.True(OperatingSystem.IsLinux(), "programs are read from /proc/PID/exe");
        using var folder = new TempFolder();
        var program = folder.File("app");
        File.Copy("/bin/sleep", program);
        using var server = Start(folder.Path, "exec ./app 60");
        try
        {
            var writes = new ServerWrites([folder.Path], folder.Path, "sh", ["-c", "exec ./app 60"]);
            Assert.True(writes.MayBeOwn(program), "an ELF program is looked at closer");
            await EventuallyAsync(() => new FileInfo($"/proc/{server.Id}/exe").LinkTarget == program);

            var (others, own) = await writes.JudgeAsync([new FileChange(program, ChangeKind.Created)], server.Id, () => false, CancellationToken.None);
            Assert.Empty(others);
            Assert.Matches(@"pid \d+ already runs the new build", Assert.Single(own).Evidence);

            // Rebuilt from outside while the old copy runs: that is an edit to serve.
            File.Delete(program);
            File.Copy("/bin/sleep", program);
            (others, own) = await writes.JudgeAsync([new FileChange(program, ChangeKind.Created)], server.Id, () => false, CancellationToken.None);
            Assert.Equal([new FileChange(program, ChangeKind.Created)], others);
            Assert.Empty(own);
        }
        finally
        {
            await StopAsync(server);
        }
    }

    [Fact]
    public void Only_new_files_in_one_folder_during_two_starts_in_a_row_are_taken_as_the_servers_and_never_an_edit()
    {
        using var folder = new TempFolder();
        folder.Write("cache/.keep", "");
        var page = folder.Write("views/index.html", "x");
        var root = folder.Write("notes.txt", "x");
        FileChange New(string path) => new(folder.File(path), ChangeKind.Created);
        var writes = new ServerWrites([folder.Path], folder.Path, "node", ["server.js"]);

        // Once is not a pattern.
        writes.RecognizeRepeatedStartWrites([New("cache/a")], starting: true);
        Assert.False(writes.MayBeOwn(folder.File("cache/a")));

        // An edit, an editor's atomic save, a new file beside the sources, a burst after the start: never.
        foreach (var (cause, now) in new[]
        {
            (new FileChange(page, ChangeKind.Changed), new FileChange(page, ChangeKind.Changed)),
            (new FileChange(page, ChangeKind.Renamed), new FileChange(page, ChangeKind.Renamed)),
            (new FileChange(root, ChangeKind.Created), new FileChange(root, ChangeKind.Created)),
        })
        {
            writes.Restarted([cause], starting: true);
            writes.RecognizeRepeatedStartWrites([now], starting: true);
            Assert.False(writes.MayBeOwn(now.Path), now.ToString());
        }

        writes.Restarted([New("cache/a")], starting: false);
        writes.RecognizeRepeatedStartWrites([New("cache/b")], starting: true);
        Assert.False(writes.MayBeOwn(folder.File("cache/b")));
        writes.Restarted([New("cache/a")], starting: true);
        writes.RecognizeRepeatedStartWrites([New("cache/b")], starting: false);
        Assert.False(writes.MayBeOwn(folder.File("cache/b")));

        // With an edit in the burst that restarted the last start, the new files there are not alone: no pattern.
        writes.Restarted([New("cache/a"), new FileChange(page, ChangeKind.Changed)], starting: true);
        writes.RecognizeRepeatedStartWrites([New("cache/b")], starting: true);
        Assert.False(writes.MayBeOwn(folder.File("cache/b")));

        // New files in cache/ alone restarted the last start, and new ones come while this one starts: the server's.
        writes.Restarted([New("cache"), New("cache/a")], starting: true);
        writes.RecognizeRepeatedStartWrites([New("views/new.html")], starting: true);
        Assert.False(writes.MayBeOwn(folder.File("views/new.html")));
        writes.RecognizeRepeatedStartWrites([New("cache/b")], starting: true);
        Assert.True(writes.MayBeOwn(folder.File("cache/c")));
        Assert.False(writes.MayBeOwn(page));
    }

    private static Process Start(string folder, string script)
    {
        // A group of its own, as freshserve gives a worker: the tree read from its pid is its own processes alone, not
        // the test host's whole group (where another test's program could be found running).
        var info = new ProcessStartInfo("setsid", ["/bin/sh", "-c", script]) { WorkingDirectory = folder, UseShellExecute = false };
        return Process.Start(info)!;
    }

    private static async Task StopAsync(Process process)
    {
        var pid = process.Id;
        var tree = ProcessProbe.Descendants(pid);
        // The whole group setsid gave it (a sleep the shell is waiting on, too).
        ProcessProbe.Signal(-pid, ProcessProbe.SIGKILL);
        await process.WaitForExitAsync();
        Assert.True(await ProcessProbe.WaitUntilGoneAsync([pid, .. tree], TimeSpan.FromSeconds(5)), "a test process outlived its stop");
    }

    private static async Task EventuallyAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(20);
        }
    }
}
