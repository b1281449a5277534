using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Presets;

/// <summary>Presets against real servers and real folders.</summary>
public sealed class PresetProcessTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Uvicorn_needs_nothing_but_its_own_command()
    {
        using var folder = new TempFolder();
        var app = folder.Write("web_app.py", Page("one"));
        // Not a freshserve flag: uvicorn itself reads UVICORN_PORT; tests never use fixed ports like the default 8000.
        var port = FreePort.Get();
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch", "--", "uvicorn", "web_app:app"],
            new Dictionary<string, string> { ["UVICORN_PORT"] = port.ToString() });

        await fs.WaitForLineAsync($"port {port}, from UVICORN_PORT={port} in the environment", Patience);
        await fs.WaitForLineAsync($@"ready in \d+ ms on port {port} \(generation 1\)", Patience);
        Assert.Contains("one", await Http.TryGetAsync(port));

        File.WriteAllText(app, Page("two"));
        await fs.WaitForLineAsync($@"ready in \d+ ms on port {port} \(generation 2\) ← web_app\.py changed", Patience);
        Assert.Contains("two", await Http.TryGetAsync(port));
        Assert.False(Directory.Exists(Path.Combine(folder.Path, "__pycache__")), "the preset should stop bytecode writes");
    }

    [Fact]
    public async Task A_node_server_on_the_PORT_exported_in_the_shell_is_checked_on_that_port()
    {
        using var folder = new TempFolder();
        var server = folder.Write("server.js", """
            require("http").createServer((_, res) => res.end("v1")).listen(Number(process.env.PORT), "127.0.0.1");
            """);
        var port = FreePort.Get();
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch", "--", "node", "server.js"],
            new Dictionary<string, string> { ["PORT"] = port.ToString() });

        await fs.WaitForLineAsync($"port {port}, from PORT={port} in the environment", Patience);
        await fs.WaitForLineAsync($@"ready in \d+ ms on port {port} \(generation 1\)", Patience);
        File.WriteAllText(server, File.ReadAllText(server).Replace("v1", "v2", StringComparison.Ordinal));
        await fs.WaitForLineAsync($@"ready in \d+ ms on port {port} \(generation 2\) ← server\.js changed; (stopped in .*, )?port {port} free", Patience);
        Assert.Equal("v2", await Http.TryGetAsync(port));
    }

    [Fact]
    public async Task Uvicorn_restarts_when_a_file_it_reads_at_start_up_changes_but_not_for_a_log()
    {
        using var folder = new TempFolder();
        // The page is read once, at import: only a restart serves an edit of page.txt.
        folder.Write("web_app.py", """
            from pathlib import Path
            from fastapi import FastAPI
            from fastapi.responses import PlainTextResponse

            app = FastAPI()
            PAGE = Path("page.txt").read_text()


            @app.get("/", response_class=PlainTextResponse)
            def index():
                return PAGE
            """);
        var page = folder.Write("page.txt", "one");
        var log = folder.Write("server.log", "one");
        var port = FreePort.Get();
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch", "--", "uvicorn", "web_app:app", "--port", port.ToString()]);
        await fs.WaitForLineAsync("watching every file that is not ignored; preset uvicorn", Patience);
        await fs.WaitForLineAsync($@"ready in \d+ ms on port {port} \(generation 1\)", Patience);

        File.WriteAllText(log, "two");
        await Task.Delay(1500);
        File.WriteAllText(page, "two");

        // Had server.log restarted the server, generation 2 would name it.
        await fs.WaitForLineAsync($@"ready in \d+ ms on port {port} \(generation 2\) ← page\.txt changed", Patience);
        Assert.Equal("two", await Http.TryGetAsync(port));
        Assert.True(fs.Count("server\\.log") == 0, fs.Output);
    }

    [Fact]
    public async Task Uvicorn_with_its_own_reloader_gets_a_warning()
    {
        using var folder = new TempFolder();
        folder.Write("web_app.py", Page("one"));
        var port = FreePort.Get();
        await using var fs = FreshServeProcess.Start(folder.Path,
            ["watch", "--", "uvicorn", "web_app:app", "--reload", "--port", port.ToString()]);
        await fs.WaitForLineAsync("! uvicorn --reload runs its own reloader.*two reloaders fight.*Remove --reload", Patience);
        await fs.WaitForLineAsync("ready in", Patience);
    }

    [Fact]
    public async Task Clean_bytecode_removes_pycache_under_the_watch_roots_but_not_in_the_virtualenv()
    {
        using var folder = new TempFolder();
        var top = folder.Write("__pycache__/a.cpython-311.pyc", "x");
        var nested = folder.Write("pkg/sub/__pycache__/b.cpython-311.pyc", "x");
        var venv = folder.Write(".venv/lib/__pycache__/c.cpython-311.pyc", "x");
        await using var fs = FreshServeProcess.Start(folder.Path,
            ["watch", "--clean-bytecode", "--", "sh", "-c", "exit 0"]);

        await fs.WaitForLineAsync(@"removed 2 __pycache__ folder\(s\)", Patience);
        await fs.WaitForLineAsync("exited with code 0", Patience);
        Assert.False(File.Exists(top));
        Assert.False(File.Exists(nested));
        Assert.True(File.Exists(venv));
    }

    private static string Page(string text) => $$"""
        from fastapi import FastAPI
        from fastapi.responses import PlainTextResponse

        app = FastAPI()
        PAGE = "{{text}}"


        @app.get("/", response_class=PlainTextResponse)
        def index():
            return PAGE
        """;
}
