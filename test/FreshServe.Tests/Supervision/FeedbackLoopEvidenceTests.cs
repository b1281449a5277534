using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Supervision;

/// <summary>
/// Real servers that write into the watched folder themselves: evidence (the program the tree runs, the files it holds
/// open for writing, the command's own build outputs) keeps them from restarting themselves, while files they only
/// read still restart them.
/// </summary>
public sealed class FeedbackLoopEvidenceTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan GoPatience = TimeSpan.FromSeconds(180);

    /// <summary>Long enough for a self-restart to show: a loop restarted within tens of milliseconds here.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(3);

    [Fact]
    public Task The_readme_go_example_serves_each_edit_and_never_restarts_itself() =>
        // As the README writes it, with a free port.
        GoAppServesEditsWithoutSelfRestartsAsync(port => $"go build -o app . && ./app --port {port}",
            @"app is the server's own write \(the command's go build -o writes it\).*-x 'app'");

    [Fact]
    public Task A_program_the_server_tree_builds_and_runs_is_not_a_change() =>
        // No -o: go build names the program after the module; only the running process tells it is the server's.
        GoAppServesEditsWithoutSelfRestartsAsync(port => $"go build . && exec ./app --port {port}",
            @"app is the server's own write \(pid \d+ already runs the new build\)");

    /// <summary>A Go app built and run by the command: its build is named as its own, and one edit is one restart.</summary>
    private static async Task GoAppServesEditsWithoutSelfRestartsAsync(Func<int, string> script, string ownWriteLine)
    {
        using var folder = new TempFolder();
        var main = WriteGoApp(folder, "v1");
        var port = FreePort.Get();
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch", "--", "sh", "-c", script(port)]);

        Assert.Equal("v1", await Http.WaitForAsync(port, body => body == "v1", GoPatience));
        await fs.WaitForLineAsync(ownWriteLine, Patience);
        await Task.Delay(Settle);
        Assert.True(fs.Count("↻ .*; restarting$") == 0, fs.Output);

        File.WriteAllText(main, GoApp("v2"));
        Assert.Equal("v2", await Http.WaitForAsync(port, body => body == "v2", GoPatience));
        await Task.Delay(Settle);
        Assert.True(fs.Count("↻ .*; restarting$") == 1, fs.Output);
        Assert.Equal(1, fs.Count(@"main\.go changed; restarting"));
    }

    [Fact]
    public async Task A_node_server_that_reads_index_html_at_start_up_restarts_when_it_is_edited()
    {
        using var folder = new TempFolder();
        var page = folder.Write("index.html", "<p>one</p>");
        folder.Write("server.js", """
            const fs = require("fs");
            const page = fs.readFileSync("index.html", "utf8"); // once, at start-up
            require("http").createServer((_, res) => res.end(page)).listen(Number(process.env.PORT), "127.0.0.1");
            """);
        var port = FreePort.Get();
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch", "--", "node", "server.js"],
            new Dictionary<string, string> { ["PORT"] = port.ToString() });
        await fs.WaitForLineAsync($@"ready in \d+ ms on port {port} \(generation 1\)", Patience);
        Assert.Equal("<p>one</p>", await Http.TryGetAsync(port));

        File.WriteAllText(page, "<p>two</p>");
        await fs.WaitForLineAsync($@"ready in \d+ ms on port {port} \(generation 2\) ← index\.html changed", Patience);
        Assert.Equal("<p>two</p>", await Http.TryGetAsync(port));
    }

    [Fact]
    public async Task A_server_writing_fresh_files_under_dot_next_at_each_start_does_not_restart_itself()
    {
        using var folder = new TempFolder();
        // What next dev does: new file names under .next/ at every start, and no .gitignore in the project.
        var server = folder.Write("server.js", """
            const fs = require("fs");
            fs.mkdirSync(".next/dev/server/chunks", { recursive: true });
            fs.writeFileSync(`.next/dev/server/chunks/${Date.now()}-${process.pid}.js`, "chunk");
            fs.writeFileSync(".next/dev/package.json", JSON.stringify({ pid: process.pid }));
            require("http").createServer((_, res) => res.end("v1")).listen(Number(process.env.PORT), "127.0.0.1");
            """);
        var port = FreePort.Get();
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch", "--", "node", "server.js"],
            new Dictionary<string, string> { ["PORT"] = port.ToString() });
        await fs.WaitForLineAsync($@"ready in \d+ ms on port {port} \(generation 1\)", Patience);
        await Task.Delay(Settle);
        Assert.True(fs.Count(@"generation 2") == 0, fs.Output);

        File.WriteAllText(server, File.ReadAllText(server).Replace("v1", "v2", StringComparison.Ordinal));
        await fs.WaitForLineAsync($@"ready in \d+ ms on port {port} \(generation 2\) ← server\.js changed", Patience);
        Assert.Equal("v2", await Http.TryGetAsync(port));
        await Task.Delay(Settle);
        Assert.True(fs.Count(@"generation 3") == 0, fs.Output);
        Assert.True(fs.Count(@"\.next") == 0, fs.Output);
    }

    [Fact]
    public async Task A_folder_the_server_holds_a_file_open_in_is_its_own_and_is_named_with_the_exclude()
    {
        using var folder = new TempFolder();
        // A framework no ignore rule knows: it keeps a trace file open (as next does) and writes new chunk names.
        var server = folder.Write("server.js", """
            const fs = require("fs");
            fs.mkdirSync("generated", { recursive: true });
            const trace = fs.openSync("generated/trace", "a");
            fs.writeSync(trace, `start ${process.pid}\n`);
            fs.writeFileSync(`generated/chunk-${Date.now()}-${process.pid}.js`, "chunk");
            require("http").createServer((_, res) => res.end("v1")).listen(Number(process.env.PORT), "127.0.0.1");
            """);
        var port = FreePort.Get();
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch", "--", "node", "server.js"],
            new Dictionary<string, string> { ["PORT"] = port.ToString() });
        await fs.WaitForLineAsync(@"generated/ is the server's own write \(pid \d+ writes into it\).*-x 'generated/\*\*'", Patience);
        await fs.WaitForLineAsync($@"ready in \d+ ms on port {port} \(generation 1\)", Patience);
        await Task.Delay(Settle);
        Assert.True(fs.Count(@"generation 2") == 0, fs.Output);

        // Any other file still restarts, and the next start's writes are its own again.
        File.WriteAllText(server, File.ReadAllText(server).Replace("v1", "v2", StringComparison.Ordinal));
        await fs.WaitForLineAsync($@"ready in \d+ ms on port {port} \(generation 2\) ← server\.js changed", Patience);
        Assert.Equal("v2", await Http.TryGetAsync(port));
        await Task.Delay(Settle);
        Assert.True(fs.Count(@"generation 3") == 0, fs.Output);
    }

    [Fact]
    public async Task A_server_writing_a_new_cache_file_at_each_start_too_quickly_to_be_seen_open_restarts_itself_at_most_once()
    {
        using var folder = new TempFolder();
        // Written and closed in one call at import, as a cache or a start stamp is: /proc never shows it open.
        var server = folder.Write("server.js", """
            const fs = require("fs");
            // After a pause, as a framework's own start-up work would take: not at the moment of a first look.
            setTimeout(() => {
                fs.mkdirSync("cache", { recursive: true });
                fs.writeFileSync(`cache/start-${Date.now()}-${process.pid}`, "x");
                require("http").createServer((_, res) => res.end("v1")).listen(Number(process.env.PORT), "127.0.0.1");
            }, 100);
            """);
        var port = FreePort.Get();
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch", "--", "node", "server.js"],
            new Dictionary<string, string> { ["PORT"] = port.ToString() });
        await fs.WaitForLineAsync($@"ready in \d+ ms on port {port}", Patience);
        await Task.Delay(Settle);
        Assert.True(fs.Count(@"↻ .* restarting") <= 1, fs.Output);

        File.WriteAllText(server, File.ReadAllText(server).Replace("v1", "v2", StringComparison.Ordinal));
        Assert.Equal("v2", await Http.WaitForAsync(port, body => body == "v2", Patience));
        var generations = fs.Count(@"↻ .* restarting");
        await Task.Delay(Settle);
        Assert.True(fs.Count(@"↻ .* restarting") == generations, fs.Output);
        if (fs.Count(@"↻ cache") > 0)
        {
            Assert.Equal(1, fs.Count(@"cache/ is the server's own write"));
        }
    }

    private static string WriteGoApp(TempFolder folder, string message)
    {
        folder.Write("go.mod", "module app\n\ngo 1.19\n");
        return folder.Write("main.go", GoApp(message));
    }

    private static string GoApp(string message) => $$"""
        package main

        import (
            "flag"
            "fmt"
            "net/http"
        )

        func main() {
            port := flag.Int("port", 8080, "port")
            flag.Parse()
            http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "{{message}}") })
            if err := http.ListenAndServe(fmt.Sprintf("127.0.0.1:%d", *port), nil); err != nil {
                panic(err)
            }
        }
        """;
}
