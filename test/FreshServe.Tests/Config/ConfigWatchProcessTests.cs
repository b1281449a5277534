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
    public async Task Include_in_the_file_limits_restarts_to_matching_files()
    {
        using var folder = new TempFolder();
        WriteConfig(folder, new { command = ShowChanged, include = new[] { "*.py" } });
        var notes = folder.Write("notes.txt", "one");
        var app = folder.Write("pkg/app.py", "one");
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch"]);
        await fs.WaitForLineAsync(@"worker changed=\[\] generation 1", Patience);

        await AssertOnlyTheSecondEditRestartsAsync(fs, notes, app, @"pkg/app\.py");
    }

    [Fact]
    public async Task Include_on_the_command_line_wins_over_the_file()
    {
        using var folder = new TempFolder();
        WriteConfig(folder, new { command = ShowChanged, include = new[] { "*.txt" } });
        var notes = folder.Write("notes.txt", "one");
        var app = folder.Write("app.py", "one");
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch", "--include", "*.py"]);
        await fs.WaitForLineAsync(@"worker changed=\[\] generation 1", Patience);

        await AssertOnlyTheSecondEditRestartsAsync(fs, notes, app, @"app\.py");
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
