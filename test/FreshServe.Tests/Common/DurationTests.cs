using FreshServe.Cli;
using FreshServe.Common;
using FreshServe.Config;
using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Common;

/// <summary>One rule for every duration option and config key: a number with a unit, or 0.</summary>
public sealed class DurationTests
{
    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("5s", 5000)]
    [InlineData("1.5s", 1500)]
    [InlineData("2m", 120_000)]
    [InlineData("0", 0)]
    [InlineData("0ms", 0)]
    [InlineData(" 50MS ", 50)]
    public void Durations_parse(string text, int expectedMs)
    {
        Assert.True(Duration.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("-5s")]
    [InlineData("5h")]
    [InlineData("250")]
    [InlineData("1e3ms")]
    [InlineData("0.0")]
    public void Bad_durations_are_rejected(string text) => Assert.False(Duration.TryParse(text, out _));

    [Theory]
    [InlineData("--stop-timeout", "5", "5 has no unit; did you mean 5s?")]
    [InlineData("--stop-timeout", "500", "500 has no unit; did you mean 500ms?")]
    [InlineData("--port-timeout", "30", "30 has no unit; did you mean 30s?")]
    [InlineData("--ready-timeout", "90", "90 has no unit; did you mean 90s?")]
    [InlineData("--debounce", "50", "50 has no unit; did you mean 50ms?")]
    [InlineData("--debounce", "200", "200 has no unit; did you mean 200ms?")]
    [InlineData("--poll-interval", "1", "1 has no unit; did you mean 1s?")]
    [InlineData("--poll-interval", "250", "250 has no unit; did you mean 250ms?")]
    [InlineData("--debounce", "100000", "100000 has no unit; write it with one, like 50ms (ms, s or m)")]
    [InlineData("--debounce", "2m", "2m is too long; the most is 60s")]
    [InlineData("--poll-interval", "0", "0 is too short; the least is 10ms")]
    [InlineData("--port-timeout", "20ms", "20ms is too short; the least is 100ms")]
    [InlineData("--stop-timeout", "11m", "11m is too long; the most is 10m")]
    [InlineData("--ready-timeout", "later", "'later' is not a duration; write it like 500ms, 5s or 2m")]
    public void A_wrong_duration_gets_one_line_that_names_the_option_and_the_fix(string option, string text, string expected)
    {
        var setting = DurationSetting.All.Single(s => s.Option == option);
        var error = Assert.Throws<UsageException>(() => setting.Parse(text));
        Assert.Equal($"{option}: {expected}", error.Message);
    }

    [Fact]
    public void Every_default_lies_in_its_range_and_every_setting_has_an_option_and_a_config_key()
    {
        foreach (var setting in DurationSetting.All)
        {
            Assert.InRange(setting.Default, setting.Min, setting.Max);
            Assert.Equal(setting.Default, setting.Parse(null));
            Assert.Equal(setting.Default, setting.Parse(Duration.Write(setting.Default)));
            Assert.Contains(setting.Key, ConfigFile.Keys);
        }
    }

    [Theory]
    [InlineData("debounce", "50", "'debounce': 50 has no unit; did you mean \"50ms\"?")]
    [InlineData("stopTimeout", "5", "'stopTimeout': 5 has no unit; did you mean \"5s\"?")]
    [InlineData("portTimeout", "3000", "'portTimeout': 3000 has no unit; did you mean \"3000ms\"?")]
    [InlineData("pollInterval", "\"5ms\"", "'pollInterval': 5ms is too short; the least is 10ms")]
    [InlineData("readyTimeout", "true", "'readyTimeout' must be a duration with a unit, like \"60s\"")]
    public void A_bare_number_in_the_config_file_is_refused_with_what_to_write(string key, string value, string expected)
    {
        using var folder = new TempFolder();
        var path = folder.Write("freshserve.json", $"{{\n  \"{key}\": {value}\n}}");
        var error = Assert.Throws<UsageException>(() => ConfigFile.Load(path));
        Assert.Equal($"{path}: line 2, column {key.Length + 7}: {expected}", error.Message);
    }

    [Fact]
    public void Zero_needs_no_unit_on_the_command_line_or_in_the_file()
    {
        using var folder = new TempFolder();
        folder.Write("freshserve.json", """{ "command": "sh -c true", "debounce": 0, "stopTimeout": "0" }""");
        var settings = new WatchArguments().ToSettings(folder.Path);
        Assert.Equal(TimeSpan.Zero, settings.Debounce);
        Assert.Equal(TimeSpan.Zero, settings.Stop.Timeout);
        Assert.Equal(TimeSpan.Zero, new WatchArguments { Debounce = "0", RemainingArguments = ["sh"] }.ToSettings(folder.Path).Debounce);
    }

    [Fact]
    public void The_same_text_means_the_same_on_the_command_line_and_in_the_file()
    {
        using var folder = new TempFolder();
        folder.Write("freshserve.json", """
            { "command": "sh -c true", "debounce": "1.5s", "pollInterval": "250ms", "stopTimeout": "2m",
              "portTimeout": "750ms", "readyTimeout": "45s" }
            """);
        var fromFile = new WatchArguments().ToSettings(folder.Path);
        using var empty = new TempFolder();
        var fromCommandLine = new WatchArguments
        {
            Debounce = "1.5s",
            PollInterval = "250ms",
            StopTimeout = "2m",
            PortTimeout = "750ms",
            ReadyTimeout = "45s",
            RemainingArguments = ["sh", "-c", "true"],
        }.ToSettings(empty.Path);

        Assert.Equal(TimeSpan.FromSeconds(1.5), fromFile.Debounce);
        Assert.Equal(
            (fromFile.Debounce, fromFile.Watching.PollInterval, fromFile.Stop.Timeout, fromFile.PortTimeout, fromFile.ReadyTimeout),
            (fromCommandLine.Debounce, fromCommandLine.Watching.PollInterval, fromCommandLine.Stop.Timeout, fromCommandLine.PortTimeout, fromCommandLine.ReadyTimeout));
    }

    [Theory]
    [InlineData("50ms")]
    [InlineData("1.5s")]
    [InlineData("2m")]
    [InlineData(" 5 S ")]
    [InlineData("0")]
    [InlineData("0.0")]
    [InlineData(".5s")]
    [InlineData("50")]
    [InlineData("soon")]
    [InlineData("-5s")]
    [InlineData("5h")]
    public void The_schema_accepts_exactly_the_durations_the_reader_accepts(string text)
    {
        using var schema = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "schema", "freshserve.schema.json")));
        var properties = schema.RootElement.GetProperty("properties");
        foreach (var setting in DurationSetting.All)
        {
            Assert.Equal("#/$defs/duration", properties.GetProperty(setting.Key).GetProperty("$ref").GetString());
        }

        var pattern = schema.RootElement.GetProperty("$defs").GetProperty("duration").GetProperty("oneOf")[0].GetProperty("pattern").GetString()!;
        Assert.Equal(Duration.TryParse(text, out _), System.Text.RegularExpressions.Regex.IsMatch(text, pattern));
    }
}
