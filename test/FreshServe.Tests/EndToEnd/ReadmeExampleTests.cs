using System.Globalization;
using System.Text.RegularExpressions;
using FreshServe.Tests.Infrastructure;
using FreshServe.Tests.RealServers;
using Xunit.Abstractions;

namespace FreshServe.Tests.EndToEnd;

/// <summary>
/// Every <c>freshserve watch</c> line in the README's code blocks runs here as written, on a small app of its kind, with
/// only its port taken from the OS: the edit is served, and nothing is left after Ctrl+C. A new example without a
/// scenario here fails the first test.
/// </summary>
public sealed partial class ReadmeExampleTests(ITestOutputHelper output)
{
    private sealed record Example(string Line, int ReadmePort, string Kind);

    private static readonly Example[] Examples =
    [
        new("freshserve watch -- uvicorn web_app:app --port 8001", 8001, "fastapi"),
        new("freshserve watch -w src -- npm run dev", 3000, "npm-src"),
        new("freshserve watch -e PORT=3000 -- node server.js", 3000, "node"),
        new("freshserve watch -- sh -c 'go build -o app . && ./app --port 8080'", 8080, "go"),
        new("freshserve watch --proxy 8000 -- uvicorn web_app:app --port {port}", 8000, "fastapi-proxy"),
    ];

    /// <summary>The README's lines for examples/services: the services they name, with what those depend on.</summary>
    private static readonly (string Line, string[] Started, string[] NotStarted)[] ServiceExamples =
    [
        ("freshserve watch", ["api", "worker", "web"], []),
        ("freshserve watch worker", ["api", "worker"], ["web"]),
    ];

    [Fact]
    public void Every_watch_example_in_the_README_has_a_scenario_here()
    {
        var readme = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "README.md"));
        var inCode = CodeBlock().Matches(readme).SelectMany(block => block.Groups[1].Value.Split('\n'))
            .Select(line => line.Split(" #")[0].Trim())
            .Where(line => (line == "freshserve watch" || line.StartsWith("freshserve watch ", StringComparison.Ordinal))
                           && !line.Contains('<', StringComparison.Ordinal) && !line.Contains('[', StringComparison.Ordinal))
            .Distinct()
            .ToList();

        Assert.NotEmpty(inCode);
        Assert.Empty(inCode.Except(Examples.Select(e => e.Line)).Except(ServiceExamples.Select(e => e.Line)));
    }

    public static TheoryData<string> Lines => new(Examples.Select(e => e.Line));

    [Theory]
    [MemberData(nameof(Lines))]
    public async Task A_README_example_serves_an_edit_and_leaves_nothing(string line)
    {
        var example = Examples.Single(e => e.Line == line);
        using var app = new TempFolder();
        var port = FreePort.Get();
        var servedPort = port;
        var edited = Setup(example.Kind, app, out var before, out var after);
        var env = new Dictionary<string, string>();
        if (example.Kind == "npm-src")
        {
            // The README's line reads the port the shell exports, as Node servers do.
            env["PORT"] = port.ToString(CultureInfo.InvariantCulture);
        }

        var args = Words(line.Replace(example.ReadmePort.ToString(CultureInfo.InvariantCulture), port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal))
            .Skip(1).ToList();
        output.WriteLine("freshserve " + string.Join(' ', args));
        await using var fs = FreshServeProcess.Start(app.Path, args, env);
        await fs.WaitForLineAsync(@"✓ ready in \d+ ms", TimeSpan.FromSeconds(120));
        Assert.NotNull(await Http.WaitForAsync(servedPort, b => b.Contains(before, StringComparison.Ordinal), TimeSpan.FromSeconds(30)));

        File.WriteAllText(edited, File.ReadAllText(edited).Replace(before, after, StringComparison.Ordinal));
        var fresh = await Http.WaitForAsync(servedPort, b => b.Contains(after, StringComparison.Ordinal), TimeSpan.FromSeconds(120));
        Assert.True(fresh is not null, $"the edit was not served\n{fs.Output}");
        await fs.WaitForLineAsync(@"✓ ready in \d+ ms.*generation 2\)", TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.True(fs.Count("↻ .*; restarting$") == 1, fs.Output);

        var tree = ProcessProbe.Descendants(fs.Pid);
        fs.Track(tree);
        fs.Signal(ProcessProbe.SIGINT);
        Assert.Equal(0, await fs.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(tree, TimeSpan.FromSeconds(5)), $"processes outlived freshserve\n{fs.Output}");
    }

    public static TheoryData<string> ServiceLines => new(ServiceExamples.Select(e => e.Line));

    [Theory]
    [MemberData(nameof(ServiceLines))]
    public async Task A_README_services_example_starts_what_it_names_serves_an_edit_and_leaves_nothing(string line)
    {
        var (_, started, notStarted) = ServiceExamples.Single(e => e.Line == line);
        using var example = new Services.ServicesEndToEndTests.Example();
        output.WriteLine(line);
        await using var fs = FreshServeProcess.Start(example.Folder.Path, Words(line).Skip(1).ToList(), example.Environment);
        await fs.WaitForLineAsync(@"^worker │ worker: job done, the API says", TimeSpan.FromSeconds(90));
        foreach (var service in started.Where(s => s != "worker"))
        {
            await fs.WaitForLineAsync($@"freshserve {service} +✓ ready in \d+ ms", TimeSpan.FromSeconds(60));
        }

        example.Edit("worker/worker.py", "JOB = \"job\"", "JOB = \"task\"");
        await fs.WaitForLineAsync(@"^worker │ worker: Hello, taking jobs of kind 'task'", TimeSpan.FromSeconds(60));
        Assert.Equal(0, fs.Count(@"freshserve api +↻"));
        foreach (var service in notStarted)
        {
            Assert.Equal(0, fs.Count($@"freshserve {service} +. started"));
        }

        var tree = ProcessProbe.Descendants(fs.Pid);
        fs.Track(tree);
        fs.Signal(ProcessProbe.SIGINT);
        Assert.Equal(0, await fs.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(tree, TimeSpan.FromSeconds(5)), $"processes outlived freshserve\n{fs.Output}");
    }

    /// <summary>Writes the example's app; returns the file an edit goes to and the text before and after it.</summary>
    private static string Setup(string kind, TempFolder app, out string before, out string after)
    {
        var examples = Path.Combine(TestPaths.RepoRoot, "examples");
        switch (kind)
        {
            case "fastapi" or "fastapi-proxy":
                File.Copy(Path.Combine(examples, "fastapi", "web_app.py"), app.File("web_app.py"));
                (before, after) = ("Hello from FreshServe", "Edited by the README test");
                return app.File("web_app.py");
            case "node":
                File.Copy(Path.Combine(examples, "node", "server.js"), app.File("server.js"));
                (before, after) = ("Hello from FreshServe (Node)", "Edited by the README test");
                return app.File("server.js");
            case "npm-src":
                app.Write("package.json", """{ "name": "npm-src", "private": true, "scripts": { "dev": "node src/server.js" } }""");
                app.Write("src/server.js", File.ReadAllText(Path.Combine(examples, "node", "server.js")));
                (before, after) = ("Hello from FreshServe (Node)", "Edited by the README test");
                return app.File("src/server.js");
            case "go":
                foreach (var (file, content) in RealServerCatalog.GoRun.Files)
                {
                    app.Write(file, content.Replace("@VERSION@", "version one", StringComparison.Ordinal));
                }

                (before, after) = ("version one", "version two");
                return app.File("static/index.html");
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }

    /// <summary>Splits a shell line into words, honouring single quotes (all the README's examples need).</summary>
    private static IEnumerable<string> Words(string line) =>
        ShellWord().Matches(line).Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value);

    [GeneratedRegex(@"```(?:bash|sh)?\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CodeBlock();

    [GeneratedRegex(@"'([^']*)'|(\S+)")]
    private static partial Regex ShellWord();
}
