using FreshServe.Cli;
using FreshServe.Common;
using FreshServe.Config;
using FreshServe.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace FreshServe.Tests.Cli;

/// <summary>The resolver's order (command line, environment, config file, preset) and the origin it reports for each value.</summary>
public sealed class WatchResolverTests
{
    private static readonly Func<string, string?> NoEnvironment = _ => null;

    [Fact]
    public void The_command_line_beats_the_file_and_each_value_says_where_it_came_from()
    {
        using var folder = new TempFolder();
        var file = new ConfigValues
        {
            Path = Path.Combine(folder.Path, "freshserve.json"),
            StopTimeout = TimeSpan.FromSeconds(2),
            PortTimeout = TimeSpan.FromSeconds(3),
            Debounce = TimeSpan.FromMilliseconds(80)
        };
        var args = new WatchArguments { StopTimeout = "700ms", RemainingArguments = ["sh", "-c", "true"] };

        var resolved = WatchResolver.Resolve(args, file, NoEnvironment, folder.Path, stdinIsTerminal: false);

        Assert.Equal(TimeSpan.FromMilliseconds(700), resolved.Settings.Stop.Timeout);
        Assert.Equal(new Origin(OriginKind.CommandLine, "--stop-timeout"), resolved.OriginOf("stopTimeout"));
        Assert.Equal(TimeSpan.FromSeconds(3), resolved.Settings.PortTimeout);
        Assert.Equal(new Origin(OriginKind.ConfigFile, "portTimeout", file.Path), resolved.OriginOf("portTimeout"));
        Assert.Equal(TimeSpan.FromMilliseconds(80), resolved.Settings.Debounce);
        Assert.Equal(Origin.Default, resolved.OriginOf("readyTimeout"));
        Assert.Equal(LogLevel.Information, resolved.LogLevel);
    }

    [Fact]
    public void A_bad_value_from_the_file_is_reported_under_its_key_in_the_file()
    {
        using var folder = new TempFolder();
        var path = folder.Write("freshserve.json", """{ "command": ["sh"], "stopTimeout": "soon" }""");

        var error = Assert.Throws<UsageException>(() => WatchResolver.Resolve(new WatchArguments(), folder.Path));

        Assert.StartsWith($"{path}: line 1, column ", error.Message, StringComparison.Ordinal);
        Assert.Contains("'stopTimeout': 'soon' is not a duration", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_value_from_the_command_line_names_the_option()
    {
        using var folder = new TempFolder();
        folder.Write("freshserve.json", """{ "command": ["sh"], "stopTimeout": "2s" }""");

        var error = Assert.Throws<UsageException>(() => WatchResolver.Resolve(new WatchArguments { StopTimeout = "soon" }, folder.Path));

        Assert.StartsWith("--stop-timeout: 'soon' is not a duration", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_watch_folder_from_the_file_names_the_file()
    {
        using var folder = new TempFolder();
        var file = new ConfigValues { Path = Path.Combine(folder.Path, "freshserve.json"), Watch = ["gone"] };

        var error = Assert.Throws<UsageException>(() =>
            WatchResolver.Resolve(new WatchArguments { RemainingArguments = ["sh"] }, file, NoEnvironment, folder.Path, stdinIsTerminal: false));

        Assert.Equal($"{file.Path}: 'watch': folder '{Path.Combine(folder.Path, "gone")}' does not exist", error.Message);
    }

    [Fact]
    public void The_environment_beats_the_file_and_the_detected_port_names_its_source()
    {
        using var folder = new TempFolder();
        var file = new ConfigValues { Path = Path.Combine(folder.Path, "freshserve.json"), Poll = true };
        var args = new WatchArguments { RemainingArguments = ["uvicorn", "app:app", "--port", "8123"] };

        var resolved = WatchResolver.Resolve(args, file, name => name == "FRESHSERVE_POLL" ? "1" : null, folder.Path, stdinIsTerminal: false);

        Assert.Equal("FRESHSERVE_POLL=1", resolved.Settings.Watching.ForcePollReason);
        Assert.Equal(8123, resolved.Settings.Port);
        Assert.Equal(OriginKind.ServerCommand, resolved.OriginOf("port").Kind);
        Assert.Equal("uvicorn", resolved.Preset?.Preset.Name);
    }
}
