using System.Text.Json;
using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Config;

/// <summary>The watch keys of freshserve.json, through the built tool and real file changes.</summary>
public sealed class ConfigWatchProcessTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    // Prints what the worker was told changed, then stays up until stopped.
    private static readonly string[] ShowChanged = ["sh", "-c", "echo \"worker changed=[$FRESHSERVE_CHANGED] generation $FRESHSERVE_GENERATION\"; exec sleep 600"];

    [Fact]
    public async Task Only_in_the_file_limits_restarts_to_matching_files()
    {
        using var folder = new TempFolder();
        WriteConfig(folder, new { command = ShowChanged, only = new[] { "*.py" } });
        var notes = folder.Write("notes.txt", "one");
        var app = folder.Write("pkg/app.py", "one");
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch"]);
        await fs.WaitForLineAsync(@"watching only \*\.py \(only in freshserve\.json\)", Patience);
        await fs.WaitForLineAsync(@"worker changed=\[\] generation 1", Patience);

        await AssertOnlyTheSecondEditRestartsAsync(fs, notes, app, @"pkg/app\.py");
    }

    [Fact]
    public async Task Only_on_the_command_line_wins_over_the_file()
    {
        using var folder = new TempFolder();
        WriteConfig(folder, new { command = ShowChanged, only = new[] { "*.txt" } });
        var notes = folder.Write("notes.txt", "one");
        var app = folder.Write("app.py", "one");
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch", "--only", "*.py"]);
        await fs.WaitForLineAsync(@"worker changed=\[\] generation 1", Patience);

        await AssertOnlyTheSecondEditRestartsAsync(fs, notes, app, @"app\.py");
    }

    [Fact]
    public async Task Include_adds_to_what_the_preset_watches_and_says_so()
    {
        using var folder = new TempFolder();
        var notes = folder.Write("notes.txt", "one");
        var config = folder.Write("config/site.yaml", "one");
        // The vite preset watches only vite's own config: -i adds the yaml, the text file stays out.
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch", "--preset", "vite", "-i", "config/*.yaml", "--", .. ShowChanged]);
        await fs.WaitForLineAsync(@"watching only vite\.config\.\* package\.json \.env \.env\.\* \(the vite preset: .*\), plus config/\*\.yaml \(-i\); preset vite", Patience);
        await fs.WaitForLineAsync(@"worker changed=\[\] generation 1", Patience);

        await AssertOnlyTheSecondEditRestartsAsync(fs, notes, config, @"config/site\.yaml");
    }

    [Fact]
    public async Task Include_never_drops_what_the_preset_watched()
    {
        using var folder = new TempFolder();
        var app = folder.Write("web_app.py", "one");
        var yaml = folder.Write("settings.yaml", "one");
        // The issue's case: -i '*.yaml' used to replace the preset's **/*.py, and web_app.py restarted nothing.
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch", "--preset", "uvicorn", "-i", "*.yaml", "--", .. ShowChanged]);
        await fs.WaitForLineAsync(@"worker changed=\[\] generation 1", Patience);

        File.WriteAllText(app, "two");
        await fs.WaitForLineAsync(@"worker changed=\[web_app\.py\] generation 2", Patience);
        File.WriteAllText(yaml, "two");
        await fs.WaitForLineAsync(@"worker changed=\[settings\.yaml\] generation 3", Patience);
    }

    [Fact]
    public async Task Poll_in_the_file_polls_at_the_files_interval()
    {
        using var folder = new TempFolder();
        WriteConfig(folder, new { command = ShowChanged, poll = true, pollInterval = "100ms", exclude = new[] { "*.log" } });
        var log = folder.Write("server.log", "one");
        var app = folder.Write("app.py", "one");
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch"]);
        await fs.WaitForLineAsync(@"polling every 100 ms \(poll in freshserve\.json\)", Patience);
        await fs.WaitForLineAsync(@"worker changed=\[\] generation 1", Patience);

        await AssertOnlyTheSecondEditRestartsAsync(fs, log, app, @"app\.py");
    }

    /// <summary>An edit the globs leave out, a pause well past the debounce, then an edit they keep.</summary>
    private static async Task AssertOnlyTheSecondEditRestartsAsync(FreshServeProcess fs, string ignored, string watched, string watchedPattern)
    {
        File.WriteAllText(ignored, "two");
        await Task.Delay(1500);
        File.WriteAllText(watched, "two");

        // Had the first edit restarted, generation 2 would name it.
        await fs.WaitForLineAsync($@"worker changed=\[{watchedPattern}\] generation 2", Patience);
        await Task.Delay(500);
        Assert.True(fs.Count("generation 3") == 0, fs.Output);
        Assert.True(fs.Count(Path.GetFileName(ignored)) == 0, fs.Output);
    }

    private static void WriteConfig(TempFolder folder, object config) =>
        folder.Write("freshserve.json", JsonSerializer.Serialize(config));
}
