using FreshServe.Cli;
using FreshServe.Common;
using FreshServe.Processes;
using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Cli;

public sealed class ParsingTests
{
    [Theory]
    [InlineData(new[] { "web_app:app", "--port", "8001" }, 8001)]
    [InlineData(new[] { "web_app:app", "--port=8002" }, 8002)]
    [InlineData(new[] { "run", "-p", "8003" }, 8003)]
    [InlineData(new[] { "run", "-p8006" }, 8006)]
    [InlineData(new[] { "run", "--urls", "http://localhost:8004" }, 8004)]
    [InlineData(new[] { "run", "--urls=http://*:8005;https://*:8443" }, 8005)]
    public void Port_is_detected_from_the_command(string[] args, int expected)
    {
        var detection = PortDetector.Detect(args, new Dictionary<string, string>());
        Assert.NotNull(detection);
        Assert.Equal(expected, detection.Port);
    }

    [Theory]
    [InlineData("python3 -m http.server 8011", 8011)]
    [InlineData("python -m http.server -b 127.0.0.1 -d site 8012", 8012)]
    [InlineData("python3 -m http.server --directory site", 8000)]
    [InlineData("go run . -port 8013", 8013)]
    [InlineData("./server -port=8014", 8014)]
    public void Port_is_detected_where_the_program_puts_it(string commandLine, int expected)
    {
        var parts = commandLine.Split(' ');
        Assert.Equal(expected, PortDetector.Detect(parts[1..], new Dictionary<string, string>(), parts[0])?.Port);
    }

    [Theory]
    [InlineData("go run -p 4 .")]
    [InlineData("go run -p8 .")]
    [InlineData("python3 -m http.server notaport")]
    public void Flags_that_look_like_a_port_but_are_not_one_are_left_alone(string commandLine)
    {
        var parts = commandLine.Split(' ');
        Assert.Null(PortDetector.Detect(parts[1..], new Dictionary<string, string>(), parts[0]));
    }

    [Fact]
    public void Watch_folders_named_twice_are_watched_once()
    {
        using var folder = new TempFolder();
        Directory.CreateDirectory(folder.File("sub"));
        var settings = new WatchArguments { Watch = ["sub", "sub/", "./sub"], RemainingArguments = ["sleep", "1"] }.ToSettings(folder.Path);
        Assert.Equal([folder.File("sub")], settings.WatchRoots);
    }

    [Fact]
    public void Port_is_detected_from_env()
    {
        var detection = PortDetector.Detect(["server.js"], new Dictionary<string, string> { ["PORT"] = "3000" });
        Assert.Equal(3000, detection?.Port);
    }

    [Theory]
    [InlineData("server.js")]
    [InlineData("--port notaport")]
    [InlineData("--port 99999")]
    [InlineData("--port")]
    [InlineData("-pv")]
    [InlineData("--p8000")]
    public void No_port_when_none_is_given(string command) =>
        Assert.Null(PortDetector.Detect(command.Split(' '), new Dictionary<string, string>()));

    [Theory]
    [InlineData("SIGTERM", "Term")]
    [InlineData("term", "Term")]
    [InlineData("SIGINT", "Int")]
    [InlineData("9", "Kill")]
    [InlineData("SIGHUP", "Hup")]
    public void Signals_parse(string text, string expected) =>
        Assert.Equal(Enum.Parse<StopSignal>(expected), StopSignals.Parse(text));

    [Theory]
    [InlineData("--pot", "--port")]
    [InlineData("--wacth", "--watch")]
    [InlineData("--debonce", "--debounce")]
    public void Suggestions_find_the_closest_option(string typed, string expected) =>
        Assert.Equal(expected, Suggestions.Closest(typed, ["--port", "--watch", "--debounce", "--env", "--verbose"]));

    [Fact]
    public void No_suggestion_for_something_unrelated() =>
        Assert.Null(Suggestions.Closest("--xyzzy", ["--port", "--watch"]));
}
