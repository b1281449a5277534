using System.Globalization;
using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Services;

/// <summary>
/// The three-service example of examples/services (uvicorn API, a Python worker without a port, a Node frontend), run
/// as a user runs it: <c>freshserve watch</c> in its folder, with only its two ports taken from the OS.
/// </summary>
public sealed class ServicesEndToEndTests
{
    internal sealed class Example : IDisposable
    {
        public Example()
        {
            var source = Path.Combine(TestPaths.RepoRoot, "examples", "services");
            foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
            {
                Folder.Write(Path.GetRelativePath(source, file), File.ReadAllText(file));
            }

            ApiPort = FreePort.Get();
            WebPort = FreePort.Get();
            var config = File.ReadAllText(Folder.File("freshserve.json"))
                .Replace("8000", ApiPort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
                .Replace("3000", WebPort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
            Folder.Write("freshserve.json", config);
        }

        public TempFolder Folder { get; } = new();

        public int ApiPort { get; }

        public int WebPort { get; }

        public Dictionary<string, string> Environment => new() { ["API_URL"] = $"http://127.0.0.1:{ApiPort}/" };

        public void Edit(string relative, string from, string to)
        {
            var file = Folder.File(relative);
            var text = File.ReadAllText(file);
            Assert.Contains(from, text, StringComparison.Ordinal);
            File.WriteAllText(file, text.Replace(from, to, StringComparison.Ordinal));
        }

        public async Task SedAsync(string relative, string script)
        {
            using var sed = System.Diagnostics.Process.Start("sed", ["-i", script, Folder.File(relative)]);
            await sed.WaitForExitAsync();
            Assert.Equal(0, sed.ExitCode);
        }

        public async Task<FreshServeProcess> StartAsync(params string[] more)
        {
            var fs = FreshServeProcess.Start(Folder.Path, ["watch", .. more], Environment);
            await fs.WaitForLineAsync(@"freshserve api +✓ ready in \d+ ms", TimeSpan.FromSeconds(60));
            await fs.WaitForLineAsync(@"freshserve web +✓ ready in \d+ ms", TimeSpan.FromSeconds(60));
            await fs.WaitForLineAsync(@"^worker │ worker: job done, the API says", TimeSpan.FromSeconds(60));
            return fs;
        }

        public void Dispose() => Folder.Dispose();
    }

    [Fact]
    public async Task Every_edit_is_served_by_the_service_that_watches_it_and_Ctrl_C_stops_dependents_first()
    {
        using var example = new Example();
        await using var fs = await example.StartAsync();
        Assert.Equal("api: Hello from the API", (await Http.TryGetAsync(example.ApiPort))?.Trim());
        Assert.Contains("web: Welcome", await Http.TryGetAsync(example.WebPort), StringComparison.Ordinal);

        // A service's own folder restarts that service only.
        example.Edit("web/server.js", "Welcome", "Bonjour");
        Assert.NotNull(await Http.WaitForAsync(example.WebPort, body => body.Contains("web: Bonjour", StringComparison.Ordinal), TimeSpan.FromSeconds(30)));
        example.Edit("worker/worker.py", "JOB = \"job\"", "JOB = \"task\"");
        await fs.WaitForLineAsync(@"^worker │ worker: Hello, taking jobs of kind 'task'");
        Assert.Equal(0, fs.Count(@"freshserve api +↻"));

        // The shared folder restarts the API, then the worker once the new API is ready. Saved as sed -i saves (a temp
        // file renamed over it): the worker, whose changes wait for the API, must still see one file changed.
        await example.SedAsync("shared/settings.py", "s/\"Hello\"/\"Hi\"/");
        Assert.NotNull(await Http.WaitForAsync(example.ApiPort, body => body.Contains("api: Hi from the API", StringComparison.Ordinal), TimeSpan.FromSeconds(30)));
        await fs.WaitForLineAsync(@"^worker │ worker: Hi, taking jobs of kind 'task'");
        await fs.WaitForLineAsync(@"^worker │ worker: task done, the API says 'api: Hi from the API'");
        await Task.Delay(TimeSpan.FromSeconds(1));
        var lines = fs.Lines.ToList();
        var apiReady = lines.FindIndex(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"freshserve api +✓ ready .*\(generation 2\)"));
        var workerRestart = lines.FindLastIndex(l => l.EndsWith("freshserve worker ↻ shared/settings.py changed; restarting", StringComparison.Ordinal));
        Assert.True(apiReady >= 0 && workerRestart > apiReady, fs.Output);
        // At least once: a burst of only sed's new temp file waits the whole 50 ms window for the rename, but a machine
        // loaded enough to stall sed longer than that still splits it (the same with one server); the worker's count
        // below is this router's.
        Assert.InRange(fs.Count(@"freshserve api +↻"), 1, 2);
        Assert.Equal(2, fs.Count(@"freshserve worker ↻"));
        Assert.Equal(1, fs.Count(@"freshserve web +↻"));

        var tree = ProcessProbe.Descendants(fs.Pid);
        fs.Track(tree);
        fs.Signal(ProcessProbe.SIGINT);
        Assert.Equal(0, await fs.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(tree, TimeSpan.FromSeconds(5)), fs.Output);
        lines = fs.Lines.ToList();
        // The worker's tree is gone before the API (and the web frontend, in the same layer) is asked to stop.
        var workerStopped = lines.FindIndex(l => l.Contains("freshserve worker ■ stopped; nothing left running", StringComparison.Ordinal));
        var apiStopping = lines.FindIndex(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"freshserve api +■ stopping"));
        var webStopping = lines.FindIndex(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"freshserve web +■ stopping"));
        Assert.True(workerStopped >= 0 && apiStopping > workerStopped && webStopping > workerStopped, fs.Output);
    }

    [Fact]
    public async Task SIGKILL_of_freshserve_leaves_no_process_of_any_service()
    {
        using var example = new Example();
        await using var fs = await example.StartAsync();
        var tree = ProcessProbe.Descendants(fs.Pid);
        fs.Track(tree);
        // The three servers, and the guard.
        Assert.True(tree.Count >= 4, $"pids {string.Join(", ", tree)}\n{fs.Output}");

        fs.Signal(ProcessProbe.SIGKILL);
        await fs.WaitForExitAsync(TimeSpan.FromSeconds(10));
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(tree, TimeSpan.FromSeconds(10)), $"left: {string.Join(", ", tree.Where(ProcessProbe.IsAlive))}");
        Assert.Null(await Http.TryGetAsync(example.ApiPort));
        Assert.Null(await Http.TryGetAsync(example.WebPort));
    }

    [Fact]
    public async Task A_second_freshserve_for_the_project_is_refused_and_replace_takes_over()
    {
        using var example = new Example();
        await using var first = await example.StartAsync();
        var firstTree = ProcessProbe.Descendants(first.Pid);
        first.Track(firstTree);

        await using (var refused = FreshServeProcess.Start(example.Folder.Path, ["watch"], example.Environment))
        {
            Assert.Equal(1, await refused.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains($"another freshserve already watches this folder (pid {first.Pid}", refused.Output, StringComparison.Ordinal);
            // It only named the running session.
            refused.Forget([first.Pid]);
        }

        await using var second = await example.StartAsync("--replace");
        Assert.Equal(0, await first.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(firstTree, TimeSpan.FromSeconds(5)), first.Output);
        Assert.Equal("api: Hello from the API", (await Http.TryGetAsync(example.ApiPort))?.Trim());
    }

    [Fact]
    public async Task A_service_with_proxy_gets_its_own_public_port_and_the_edit_is_served_there()
    {
        using var folder = new TempFolder();
        var proxyPort = FreePort.Get();
        folder.Write("web/server.js", File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "examples", "services", "web", "server.js")));
        folder.Write("worker/w.py", "import time\nprint('worker up', flush=True)\nwhile True:\n    time.sleep(1)\n");
        folder.Write("freshserve.json", $$"""
            { "services": {
                "web": { "command": "node server.js", "cwd": "web", "watch": ["web"], "proxy": {{proxyPort}} },
                "worker": { "command": "python3 -u w.py", "cwd": "worker", "watch": ["worker"] } } }
            """);
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch"]);
        await fs.WaitForLineAsync($@"freshserve web +⇄ proxy on http://localhost:{proxyPort}");
        await fs.WaitForLineAsync(@"^worker │ worker up");
        Assert.NotNull(await Http.WaitForAsync(proxyPort, body => body.Contains("web: Welcome", StringComparison.Ordinal), TimeSpan.FromSeconds(30)));

        var file = folder.File("web/server.js");
        File.WriteAllText(file, File.ReadAllText(file).Replace("Welcome", "Proxied", StringComparison.Ordinal));
        Assert.NotNull(await Http.WaitForAsync(proxyPort, body => body.Contains("web: Proxied", StringComparison.Ordinal), TimeSpan.FromSeconds(30)));
        Assert.Equal(0, fs.Count(@"freshserve worker ↻"));

        var tree = ProcessProbe.Descendants(fs.Pid);
        fs.Track(tree);
        fs.Signal(ProcessProbe.SIGINT);
        Assert.Equal(0, await fs.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(tree, TimeSpan.FromSeconds(5)), fs.Output);
    }

    [Fact]
    public async Task Status_in_a_one_server_session_says_it_takes_no_requests()
    {
        using var folder = new TempFolder();
        var port = FreePort.Get().ToString(CultureInfo.InvariantCulture);
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch", "--", TestPaths.TestServer, "--port", port]);
        await fs.WaitForLineAsync(@"ready in .*generation 1", TimeSpan.FromSeconds(30));

        var (code, status) = await FreshServeProcess.RunAsync(folder.Path, "status");
        Assert.Equal(1, code);
        Assert.Matches($@"^freshserve: the freshserve session here \(pid {fs.Pid}, .*\) runs one server and takes no requests; status and restart work for a project's services", status.Trim());

        fs.Signal(ProcessProbe.SIGINT);
        Assert.Equal(0, await fs.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }
}
