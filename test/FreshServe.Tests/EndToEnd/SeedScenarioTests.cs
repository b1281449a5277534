using System.Diagnostics;
using System.Text.RegularExpressions;
using FreshServe.Tests.Infrastructure;
using Xunit.Abstractions;

namespace FreshServe.Tests.EndToEnd;

/// <summary>
/// The scenario that started the project: a FastAPI app whose page is computed at import time, run by real uvicorn
/// (Debian's uvicorn and python3-fastapi, which .ci/run installs). Ten edits in a row: each one is served, an old
/// page never follows a new one, and Ctrl+C leaves nothing running.
/// </summary>
public sealed partial class SeedScenarioTests(ITestOutputHelper output)
{
    private const string App = """
        from fastapi import FastAPI
        from fastapi.responses import HTMLResponse

        VERSION = {0}
        PAGE = f"<html><body><h1>version {{VERSION}}</h1></body></html>"

        app = FastAPI()


        @app.get("/", response_class=HTMLResponse)
        def index():
            return PAGE

        """;

    [Fact]
    public async Task Ten_edits_to_a_FastAPI_app_under_uvicorn_are_each_served_and_never_go_back()
    {
        using var folder = new TempFolder();
        var source = folder.Write("web_app.py", string.Format(App, 0));
        var port = FreePort.Get();
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch", "--", "uvicorn", "web_app:app", "--port", port.ToString()]);
        await fs.WaitForLineAsync(@"ready in \d+ ms", TimeSpan.FromSeconds(60));

        // A poller records every version it sees, in order, while the edits happen.
        using var stopPolling = new CancellationTokenSource();
        var seen = new List<int>();
        var poller = Task.Run(async () =>
        {
            while (!stopPolling.IsCancellationRequested)
            {
                if (await Http.TryGetAsync(port) is { } body && VersionPattern().Match(body) is { Success: true } m)
                {
                    lock (seen)
                    {
                        seen.Add(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
                    }
                }

                await Task.Delay(5);
            }
        });

        for (var version = 1; version <= 10; version++)
        {
            var clock = Stopwatch.StartNew();
            File.WriteAllText(source, string.Format(App, version));
            var expected = $"version {version}<";
            var body = await Http.WaitForAsync(port, b => b.Contains(expected, StringComparison.Ordinal), TimeSpan.FromSeconds(20));
            Assert.True(body is not null, $"edit {version} was not served within 20 s\n{fs.Output}");
            output.WriteLine($"edit {version}: served after {clock.ElapsedMilliseconds} ms");
            await fs.WaitForLineAsync($@"ready in \d+ ms.*generation {version + 1}\)", TimeSpan.FromSeconds(20));
        }

        // The poller may still be inside a request it began during the last restart (one the closing socket left
        // hanging until its timeout): it stops once it has seen the last version too, or after 20 s (then the check
        // below fails).
        var patience = Stopwatch.StartNew();
        while (patience.Elapsed < TimeSpan.FromSeconds(20) && !SeenLast(seen, 10))
        {
            await Task.Delay(10);
        }

        await stopPolling.CancelAsync();
        await poller;
        lock (seen)
        {
            for (var i = 1; i < seen.Count; i++)
            {
                Assert.True(seen[i] >= seen[i - 1], $"an old page (version {seen[i]}) was served after version {seen[i - 1]}");
            }

            Assert.Equal(10, seen[^1]);
        }

        var workers = fs.LoggedPids.Concat(ProcessProbe.Descendants(fs.Pid)).ToList();
        fs.Signal(ProcessProbe.SIGINT);
        Assert.Equal(0, await fs.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(workers, TimeSpan.FromSeconds(5)), "uvicorn outlived freshserve");
        Assert.Equal(11, fs.Count(@"✓ ready in \d+ ms"));
        Assert.Equal(0, fs.Count(@"generation 12\b"));
    }

    private static bool SeenLast(List<int> seen, int version)
    {
        lock (seen)
        {
            return seen.Count > 0 && seen[^1] == version;
        }
    }

    [GeneratedRegex(@"version (\d+)<")]
    private static partial Regex VersionPattern();
}
