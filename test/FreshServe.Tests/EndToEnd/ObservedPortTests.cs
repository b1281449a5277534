using System.Globalization;
using System.Text.RegularExpressions;
using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.EndToEnd;

/// <summary>
/// Real servers whose port freshserve cannot read from the command: it learns the port from what the worker tree
/// listens on, reports ready on it, and proves it free before the next generation starts.
/// </summary>
public sealed class ObservedPortTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    // Listens on argv[2], else on the port written in port.txt: a port read in code, invisible in the command.
    private const string NodeServer = """
        const fs = require("fs");
        const arg = Number(process.argv[2]);
        const port = arg > 0 ? arg : Number(fs.readFileSync(__dirname + "/port.txt", "utf8"));
        const page = fs.readFileSync(__dirname + "/page.json", "utf8");
        require("http").createServer((_, res) => res.end(page)).listen(port, "127.0.0.1");
        """;

    [Fact]
    public async Task Php_built_in_server_behind_sh_is_observed_ready_on_its_port_and_the_port_is_proven_free_on_restart()
    {
        using var folder = new TempFolder();
        var page = folder.Write("index.php", "<?php echo 'one';");
        var port = FreePort.Get();
        await using var fs = FreshServeProcess.Start(folder.Path,
            ["watch", "-v", "--", "sh", "-c", $"php -S 127.0.0.1:{port}"]);

        await fs.WaitForLineAsync("no port in the command: freshserve learns it from what the server listens on", Patience);
        var observed = await fs.WaitForLineAsync($@"port {port}, observed: pid \d+ \(php -S 127\.0\.0\.1:{port}\) listens on it \(generation 1\)", Patience);
        await fs.WaitForLineAsync($@"✓ ready in \d+ ms on port {port} \(generation 1\)", Patience);
        Assert.True(fs.Lines.ToList().FindIndex(l => l.Contains("observed:", StringComparison.Ordinal))
                    < fs.Lines.ToList().FindIndex(l => l.Contains("✓ ready", StringComparison.Ordinal)), observed);
        Assert.Equal("one", await Http.TryGetAsync(port));

        File.WriteAllText(page, "<?php echo 'two';");
        var summary = await fs.WaitForLineAsync(
            $@"✓ ready in \d+ ms on port {port} \(generation 2\) ← index\.php changed; (stopped in .*, )?port {port} free after .*, started pid \d+", Patience);
        Assert.Equal("two", await Http.TryGetAsync(port));
        AssertOnePortFreeTime(fs, port, summary);
    }

    [Fact]
    public async Task Php_S_with_its_address_needs_no_port_flag()
    {
        using var folder = new TempFolder();
        folder.Write("index.php", "<?php echo 'one';");
        var port = FreePort.Get();
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch", "--", "php", "-S", $"127.0.0.1:{port}"]);

        await fs.WaitForLineAsync($"port {port}, from '-S 127.0.0.1:{port}' in the command", Patience);
        await fs.WaitForLineAsync($@"✓ ready in \d+ ms on port {port} \(generation 1\)", Patience);
        Assert.Equal("one", await Http.TryGetAsync(port));
    }

    [Fact]
    public async Task Node_behind_sh_with_the_port_as_a_plain_argument_is_observed_and_proven_free_on_restart()
    {
        using var folder = new TempFolder();
        folder.Write("server.js", NodeServer);
        var page = folder.Write("page.json", "one");
        var port = FreePort.Get();
        await using var fs = FreshServeProcess.Start(folder.Path,
            ["watch", "-v", "--", "sh", "-c", $"node server.js {port}"]);

        await fs.WaitForLineAsync($@"port {port}, observed: pid \d+ \(\S*node server\.js {port}\) listens on it \(generation 1\)", Patience);
        await fs.WaitForLineAsync($@"✓ ready in \d+ ms on port {port} \(generation 1\)", Patience);
        Assert.Equal("one", await Http.TryGetAsync(port));

        File.WriteAllText(page, "two");
        var summary = await fs.WaitForLineAsync($@"✓ ready in \d+ ms on port {port} \(generation 2\) ← page\.json changed; .*port {port} free after", Patience);
        Assert.Equal("two", await Http.TryGetAsync(port));
        AssertOnePortFreeTime(fs, port, summary);
        // The port did not change, so it is announced once.
        Assert.Equal(1, fs.Count("observed:"));
    }

    [Fact]
    public async Task A_port_the_server_reads_from_a_file_is_observed()
    {
        using var folder = new TempFolder();
        folder.Write("server.js", NodeServer);
        folder.Write("page.json", "one");
        var port = FreePort.Get();
        folder.Write("port.txt", port.ToString(CultureInfo.InvariantCulture));
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch", "--", "node", "server.js"]);

        await fs.WaitForLineAsync($@"✓ ready in \d+ ms on port {port} \(generation 1\)", Patience);
        Assert.Equal("one", await Http.TryGetAsync(port));
    }

    [Fact]
    public async Task A_parsed_port_the_server_ignores_is_named_and_the_port_it_listens_on_is_used_and_proven_free()
    {
        using var folder = new TempFolder();
        folder.Write("server.js", NodeServer);
        var page = folder.Write("page.json", "one");
        var parsed = FreePort.Get();
        var real = FreePort.Get();
        folder.Write("port.txt", real.ToString(CultureInfo.InvariantCulture));
        // server.js ignores --port: argv[2] is "--port", not a number, so it reads port.txt.
        await using var fs = FreshServeProcess.Start(folder.Path,
            ["watch", "--", "node", "server.js", "--port", parsed.ToString(CultureInfo.InvariantCulture)]);

        var warning = await fs.WaitForLineAsync(
            $@"! the server \(generation 1\) listens on port {real} \(pid \d+ \(\S*node server\.js --port {parsed}\)\), not on port {parsed} from '--port {parsed}' in the command; freshserve uses port {real} for readiness and the port check",
            Patience);
        await fs.WaitForLineAsync($@"✓ ready in \d+ ms on port {real} \(generation 1\)", Patience);
        Assert.Equal("one", await Http.TryGetAsync(real));

        File.WriteAllText(page, "two");
        await fs.WaitForLineAsync($@"✓ ready in \d+ ms on port {real} \(generation 2\) ← page\.json changed; .*port {real} free after", Patience);
        Assert.Equal("two", await Http.TryGetAsync(real));
        // Learned once: the next generation is expected where the last one listened, without a new warning.
        Assert.Equal(1, fs.Count("listens on port"));
        Assert.DoesNotContain("not ready", fs.Output);
        Assert.NotNull(warning);
    }

    [Fact]
    public async Task A_worker_that_listens_nowhere_is_said_to_and_observation_stops()
    {
        using var folder = new TempFolder();
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch", "--ready-timeout", "1s", "--", "sh", "-c", "sleep 600"]);

        await fs.WaitForLineAsync(@"● running \(generation 1, pid \d+\); it listens on no TCP port after 1(\.0)? s, so no readiness check", Patience);
        Assert.Equal(0, fs.Count("ready in"));
        Assert.Equal(0, fs.Count("not ready"));
    }

    [Fact]
    public async Task A_ready_url_answering_404_says_404_when_it_times_out()
    {
        using var folder = new TempFolder();
        // A router that knows no /health: the server is up, the URL is wrong.
        folder.Write("router.php", "<?php http_response_code(404); echo 'no such page';");
        var port = FreePort.Get();
        var url = $"http://127.0.0.1:{port}/health";
        await using var fs = FreshServeProcess.Start(folder.Path,
            ["watch", "--ready-timeout", "1s", "--ready-url", url, "--", "php", "-S", $"127.0.0.1:{port}", "router.php"]);

        var line = await fs.WaitForLineAsync($@"! not ready at {Regex.Escape(url)} within 1(\.0)? s: it answers 404 Not Found, and ready needs a 2xx or 3xx \(generation 1, pid \d+\); is --ready-url the right path\?", Patience);
        Assert.Equal(0, fs.Count("ready in"));
        Assert.NotNull(line);
    }

    [Fact]
    public async Task With_a_ready_url_and_no_port_in_the_command_the_port_the_tree_serves_the_url_on_is_proven_free()
    {
        using var folder = new TempFolder();
        var page = folder.Write("index.php", "<?php echo 'one';");
        var port = FreePort.Get();
        var url = $"http://127.0.0.1:{port}/";
        await using var fs = FreshServeProcess.Start(folder.Path,
            ["watch", "--ready-url", url, "--", "sh", "-c", $"php -S 127.0.0.1:{port}"]);
        await fs.WaitForLineAsync($@"✓ ready in \d+ ms at {Regex.Escape(url)} \(generation 1\)", Patience);

        File.WriteAllText(page, "<?php echo 'two';");
        await fs.WaitForLineAsync($@"✓ ready in \d+ ms at {Regex.Escape(url)} \(generation 2\) ← index\.php changed; .*port {port} free after", Patience);
        Assert.Equal("two", await Http.TryGetAsync(port));
    }

    /// <summary>-v's step line and the summary report the same port-free time for one restart.</summary>
    private static void AssertOnePortFreeTime(FreshServeProcess fs, int port, string summary)
    {
        var step = fs.Lines.Single(l => l.Contains($"port {port} is free (", StringComparison.Ordinal));
        var stepTime = Regex.Match(step, $@"port {port} is free \(([^)]+)\)").Groups[1].Value;
        var summaryTime = Regex.Match(summary, $@"port {port} free after ([^,]+),").Groups[1].Value;
        Assert.Equal(stepTime, summaryTime);
    }
}
