using FreshServe.Cli;
using FreshServe.Common;
using FreshServe.Config;
using FreshServe.Processes;
using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Config;

/// <summary>freshserve.json: read from real files; every mistake names the file, line and column.</summary>
public sealed class ConfigFileTests
{
    [Fact]
    public void A_full_file_is_read()
    {
        using var folder = new TempFolder();
        var path = folder.Write("freshserve.json", """
            {
              "$schema": "./schema/freshserve.schema.json",
              // comments and trailing commas are fine
              "command": ["uvicorn", "web_app:app", "--host", "0.0.0.0"],
              "watch": "src",
              "port": 8001,
              "debounce": "100ms",
              "stopSignal": "SIGINT",
              "stopTimeout": "2s",
              "portTimeout": "3000ms",
              "readyUrl": "http://127.0.0.1:8001/health",
              "readyTimeout": "30s",
              "env": { "DEBUG": "1" },
              "verbose": true,
              "quiet": false,
              "restartOnCrash": true,
              "noInput": true,
              "cleanBytecode": true,
              "preset": "uvicorn",
            }
            """);

        var values = ConfigFile.Load(path);
        Assert.Equal(["uvicorn", "web_app:app", "--host", "0.0.0.0"], values.Command);
        Assert.Equal(["src"], values.Watch);
        Assert.Equal(8001, values.Port);
        Assert.Equal(TimeSpan.FromMilliseconds(100), values.Debounce);
        Assert.Equal("SIGINT", values.StopSignal);
        Assert.Equal(TimeSpan.FromSeconds(2), values.StopTimeout);
        Assert.Equal(TimeSpan.FromSeconds(3), values.PortTimeout);
        Assert.Equal("http://127.0.0.1:8001/health", values.ReadyUrl);
        Assert.Equal(TimeSpan.FromSeconds(30), values.ReadyTimeout);
        Assert.Equal("1", values.Env!["DEBUG"]);
        Assert.True(values.Verbose);
        Assert.False(values.Quiet);
        Assert.True(values.RestartOnCrash);
        Assert.True(values.NoInput);
        Assert.True(values.CleanBytecode);
        Assert.Equal("uvicorn", values.Preset);
    }

    [Theory]
    [InlineData("{\n  \"port\": 8000\n  \"watch\": \"src\"\n}", "line 3, column 3: not valid JSON")]
    [InlineData("{\n  \"prot\": 8000\n}", "line 2, column 3: unknown key 'prot'; did you mean 'port'?")]
    [InlineData("{\n  \"restartOnCrsh\": true\n}", "line 2, column 3: unknown key 'restartOnCrsh'; did you mean 'restartOnCrash'?")]
    [InlineData("{\"zzzzzz\": 1}", "line 1, column 2: unknown key 'zzzzzz'; the keys are: command, watch")]
    [InlineData("{\n  \"port\": 70000\n}", "line 2, column 11: 'port' must be between 1 and 65535")]
    [InlineData("{\n  \"port\": \"8000\"\n}", "line 2, column 11: 'port' must be a whole number")]
    [InlineData("{\"stopTimeout\": \"soon\"}", "line 1, column 17: 'stopTimeout': 'soon' is not a duration")]
    [InlineData("{\"stopSignal\": \"SIGFOO\"}", "'stopSignal': 'SIGFOO' is not a signal")]
    [InlineData("{\"readyUrl\": \"ftp://x\"}", "'readyUrl': 'ftp://x' is not an http:// or https:// URL")]
    [InlineData("{\"env\": {\"A\": 1}}", "'env.A' must be a string")]
    [InlineData("{\"command\": []}", "'command' is empty")]
    [InlineData("{\"port\": 1, \"port\": 2}", "'port' is set twice")]
    [InlineData("{\"env\": {\"A\": \"1\", \"A\": 2}}", "line 1, column 20: 'env.A' is set twice")]
    [InlineData("[1, 2]", "line 1, column 1: the file must hold one JSON object")]
    [InlineData("", "line 1, column 1: not valid JSON")]
    [InlineData("{ \"port\": 1 ", "line 1, column 13: not valid JSON")]
    [InlineData("{ \"port\": 1,, }", "line 1, column 13: not valid JSON")]
    [InlineData("{ \"port\": null }", "line 1, column 11: 'port' must be a whole number")]
    [InlineData("{ \"verbose\": \"yes\" }", "line 1, column 14: 'verbose' must be true or false")]
    [InlineData("{ \"watch\": [\"src\", 3] }", "line 1, column 12: 'watch' must be a string or an array of strings")]
    [InlineData("{ \"debounce\": true }", "line 1, column 15: 'debounce' must be a duration with a unit, like \"50ms\"")]
    [InlineData("{ \"env\": {\n  \"A\": \"1\",\n  \"B.C\": null } }", "line 3, column 10: 'env.B.C' must be a string")]
    [InlineData("{ \"env\": [\"A=1\"] }", "line 1, column 10: 'env' must be an object of names and string values")]
    [InlineData("{ \"services\": {\n  \"api\": \"uvicorn app:app\" } }", "line 2, column 10: service 'api' must be an object")]
    [InlineData("{ \"services\": [\"api\"] }", "line 1, column 15: 'services' must be an object of named services")]
    [InlineData("{ \"services\": { \"api\": { \"command\": \"sh\", \"dependsOn\": [7] } } }", "line 1, column 56: 'dependsOn' must be a service name or an array of them")]
    public void Mistakes_name_the_file_line_and_column(string json, string expected)
    {
        using var folder = new TempFolder();
        var path = folder.Write("freshserve.json", json);
        var error = Assert.Throws<UsageException>(() => ConfigFile.Load(path));
        Assert.StartsWith(path + ": ", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_byte_order_mark_comments_and_trailing_commas_are_read_and_columns_count_from_after_the_mark()
    {
        using var folder = new TempFolder();
        var path = folder.File("freshserve.json");
        File.WriteAllText(path, "// the API\n{ \"command\": \"uvicorn app:app\", /* dev */ \"port\": 8001, }", new System.Text.UTF8Encoding(true));
        var values = ConfigFile.Load(path);
        Assert.Equal(["uvicorn", "app:app"], values.Command);
        Assert.Equal(8001, values.Port);

        File.WriteAllText(path, "{\"port\": 0}", new System.Text.UTF8Encoding(true));
        Assert.Equal($"{path}: line 1, column 10: 'port' must be between 1 and 65535", Assert.Throws<UsageException>(() => ConfigFile.Load(path)).Message);
    }

    [Fact]
    public void The_command_line_wins_over_the_file_and_the_file_fills_in_the_rest()
    {
        using var folder = new TempFolder();
        folder.Write("freshserve.json", """
            { "command": ["sh", "-c", "sleep 1"], "port": 8001, "debounce": "120ms", "stopTimeout": "2s",
              "env": { "A": "file", "B": "file" }, "quiet": true, "restartOnCrash": true, "watch": ["."] }
            """);
        var command = new WatchArguments
        {
            Port = 9001,
            Verbose = true,
            Env = ["A=cli"],
            RemainingArguments = ["sh", "-c", "sleep 2"],
        };

        var settings = command.ToSettings(folder.Path);
        Assert.Equal(9001, settings.Port);
        Assert.Equal(["-c", "sleep 2"], settings.CommandArguments);
        Assert.Equal(TimeSpan.FromMilliseconds(120), settings.Debounce);
        Assert.Equal(TimeSpan.FromSeconds(2), settings.Stop.Timeout);
        Assert.Equal("cli", settings.Environment["A"]);
        Assert.Equal("file", settings.Environment["B"]);
        Assert.True(settings.RestartOnCrash);
        Assert.Equal([folder.Path], settings.WatchRoots);
    }

    [Fact]
    public void Watch_folders_in_a_config_file_are_relative_to_the_file()
    {
        using var project = new TempFolder();
        Directory.CreateDirectory(Path.Combine(project.Path, "src"));
        var config = project.Write("conf/dev.json", """{ "command": "sh -c true", "watch": ["../src"] }""");
        using var elsewhere = new TempFolder();

        var settings = new WatchArguments { Config = config }.ToSettings(elsewhere.Path);
        Assert.Equal([Path.Combine(project.Path, "src")], settings.WatchRoots);
        Assert.Equal("sh", settings.Command);
        Assert.Equal(["-c", "true"], settings.CommandArguments);
    }

    [Fact]
    public async Task A_command_from_the_config_file_alone_runs()
    {
        using var folder = new TempFolder();
        var port = FreePort.Get();
        folder.Write("freshserve.json", $$"""
            { "command": ["{{TestPaths.TestServer}}", "--port", "{{port}}"], "verbose": true }
            """);
        await using var fs = FreshServeProcess.Start(folder.Path, ["watch"]);
        await fs.WaitForLineAsync(@"config file .*freshserve\.json");
        await fs.WaitForLineAsync($@"ready in \d+ ms on port {port} \(generation 1\)");
    }

    [Fact]
    public async Task Freshserve_env_variables_turn_off_input()
    {
        using var folder = new TempFolder();
        var port = FreePort.Get();
        await using var fs = FreshServeProcess.StartInTerminal(folder.Path,
            ["watch", "--", TestPaths.TestServer, "--port", port.ToString()],
            new Dictionary<string, string> { ["FRESHSERVE_NO_INPUT"] = "1" });
        await fs.WaitForLineAsync("ready in .*generation 1");
        fs.WriteInput("r");
        await Task.Delay(1500);
        Assert.Equal(0, fs.Count("keys:"));
        Assert.Equal(0, fs.Count("restart requested"));
    }

    [Fact]
    public void The_published_schema_lists_every_key_the_reader_accepts()
    {
        var schemaPath = Path.Combine(TestPaths.RepoRoot, "schema", "freshserve.schema.json");
        using var schema = System.Text.Json.JsonDocument.Parse(File.ReadAllText(schemaPath));
        var properties = schema.RootElement.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.Equal(ConfigFile.Keys.ToHashSet(), properties);
        Assert.False(schema.RootElement.GetProperty("additionalProperties").GetBoolean());
    }
}
