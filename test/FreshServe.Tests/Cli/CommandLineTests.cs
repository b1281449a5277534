using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Cli;

/// <summary>Bad input: one clear line, a non-zero exit code, nothing left running. Run against the real tool.</summary>
public sealed class CommandLineTests
{
    [Theory]
    [InlineData(new[] { "wach" }, 2, "Did you mean 'watch'")]
    [InlineData(new[] { "watch", "--pot", "3", "--", "x" }, 2, "Did you mean '--port'")]
    [InlineData(new[] { "watch", "-p", "70000", "--", "x" }, 2, "--port must be between 1 and 65535")]
    [InlineData(new[] { "watch", "--stop-timeout", "soon", "--", "x" }, 2, "not a duration")]
    [InlineData(new[] { "watch", "--stop-timeout", "5", "--", "x" }, 2, "--stop-timeout: 5 has no unit; did you mean 5s?")]
    [InlineData(new[] { "watch", "--debounce", "50", "--", "x" }, 2, "--debounce: 50 has no unit; did you mean 50ms?")]
    [InlineData(new[] { "watch", "--debounce", "2m", "--", "x" }, 2, "--debounce: 2m is too long; the most is 60s")]
    [InlineData(new[] { "watch", "--stop-signal", "SIGFOO", "--", "x" }, 2, "not a signal")]
    [InlineData(new[] { "watch", "-w", "no-such-folder", "--", "x" }, 2, "does not exist")]
    [InlineData(new[] { "watch" }, 2, "no server command given")]
    [InlineData(new[] { "watch", "-e", "NOEQUALS", "--", "x" }, 2, "is not KEY=VALUE")]
    [InlineData(new[] { "watch", "--", "no-such-command-xyz" }, 127, "not found on PATH")]
    [InlineData(new[] { "watch", "-i", "*.{js,ts}", "--", "x" }, 2, "are not supported")]
    [InlineData(new[] { "watch", "-x", "[abc].py", "--", "x" }, 2, "are not supported")]
    [InlineData(new[] { "watch", "-i", "../other/*.py", "--", "x" }, 2, "relative to the watched folder")]
    [InlineData(new[] { "watch", "-i", "", "--", "x" }, 2, "cannot be empty")]
    [InlineData(new[] { "watch", "-p", "8001", "uvicorn", "app:app" }, 2, "the server command goes after --, like: freshserve watch -p 8001 -- uvicorn app:app")]
    [InlineData(new[] { "watch", "--port", "--", "x" }, 2, "Missing value for option '--port' before --.")]
    [InlineData(new[] { "watch", "--config" }, 2, "Missing value for option '--config'. See")]
    public async Task Bad_input_gives_one_line_and_a_nonzero_exit(string[] args, int expectedCode, string expectedText)
    {
        using var folder = new TempFolder();
        var (code, output) = await FreshServeProcess.RunAsync(folder.Path, args);

        Assert.Equal(expectedCode, code);
        var errorLines = output.Split('\n').Where(l => l.StartsWith("freshserve: ", StringComparison.Ordinal)).ToList();
        Assert.Single(errorLines);
        Assert.Contains(expectedText, errorLines[0]);
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public async Task Help_explains_the_watch_command_without_a_pager()
    {
        using var folder = new TempFolder();
        var (code, output) = await FreshServeProcess.RunAsync(folder.Path, "watch", "--help");
        Assert.Equal(0, code);
        Assert.Contains("--stop-timeout", output);
        Assert.Contains("Everything after -- is the server command", output);
    }

    [Fact]
    public async Task Help_names_every_preset_there_is()
    {
        using var folder = new TempFolder();
        var (code, output) = await FreshServeProcess.RunAsync(folder.Path, "watch", "--help");
        Assert.Equal(0, code);
        var listed = System.Text.RegularExpressions.Regex.Match(output.ReplaceLineEndings(" "), @"--preset <NAME>\s+Use this preset \(([^)]*)\)").Groups[1].Value;
        Assert.Equal(FreshServe.Presets.PresetCatalog.All.Select(p => p.Name.Replace(' ', '-')),
            System.Text.RegularExpressions.Regex.Split(listed, @",\s+"));
    }

    [Theory]
    [InlineData(new[] { "help", "watch" }, "--stop-timeout")]
    [InlineData(new[] { "help", "doctor" }, "Usage: freshserve doctor")]
    [InlineData(new[] { "help" }, "Commands:")]
    public async Task Help_as_a_command_shows_the_help_of_the_command_it_names(string[] args, string expected)
    {
        using var folder = new TempFolder();
        var (code, output) = await FreshServeProcess.RunAsync(folder.Path, args);
        Assert.Equal(0, code);
        Assert.Contains(expected, output);
    }

    [Fact]
    public async Task Version_prints_the_version()
    {
        using var folder = new TempFolder();
        var (code, output) = await FreshServeProcess.RunAsync(folder.Path, "--version");
        Assert.Equal(0, code);
        Assert.Matches(@"\d+\.\d+\.\d+", output);
    }

    [Fact]
    public async Task The_server_command_after_the_separator_is_passed_verbatim()
    {
        using var folder = new TempFolder();
        await using var fs = FreshServeProcess.Start(folder.Path,
            ["watch", "--", "sh", "-c", "echo \"args: $0 $1\"; exit 0", "--port", "--verbose"]);
        await fs.WaitForLineAsync("args: --port --verbose");
        await fs.WaitForLineAsync("exited with code 0");
    }
}
