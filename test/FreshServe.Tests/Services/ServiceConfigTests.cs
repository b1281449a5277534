using FreshServe.Cli;
using FreshServe.Common;
using FreshServe.Config;
using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Services;

/// <summary>freshserve.json's "services": read from real files; every mistake names the file, line and column.</summary>
public sealed class ServiceConfigTests
{
    [Fact]
    public void Services_are_read_in_file_order_with_their_own_keys_and_places()
    {
        using var folder = new TempFolder();
        var path = folder.Write("freshserve.json", """
            {
              "stopTimeout": "2s",
              "env": { "DEBUG": "1" },
              "services": {
                "api": { "command": ["uvicorn", "app:app", "--port", "8000"], "cwd": "api", "watch": ["api", "shared"] },
                "worker": { "command": "python worker.py", "cwd": "api", "dependsOn": ["api"], "restartOnCrash": true },
                "web_2": { "command": "npm run dev", "cwd": "web", "port": 5173, "dependsOn": "api", "env": { "DEBUG": "0" } }
              }
            }
            """);

        var values = ConfigFile.Load(path);
        Assert.Equal(["api", "worker", "web_2"], values.Services!.Select(s => s.Name));
        var (api, worker, web) = (values.Services![0], values.Services[1], values.Services[2]);
        Assert.Equal(["uvicorn", "app:app", "--port", "8000"], api.Values.Command);
        Assert.Equal("api", api.Values.Cwd);
        Assert.Equal(["api", "shared"], api.Values.Watch);
        Assert.Equal(["api"], worker.Values.DependsOn);
        Assert.True(worker.Values.RestartOnCrash);
        Assert.Equal(["api"], web.Values.DependsOn);
        Assert.Equal(5173, web.Values.Port);
        Assert.Equal(new ConfigPlace("services.api", 5, 5), api.Place);
        Assert.Equal("services.web_2.port", web.Values.NameOf("port"));

        var merged = web.Values.Over(values);
        Assert.Equal(TimeSpan.FromSeconds(2), merged.StopTimeout);
        Assert.Equal("0", merged.Env!["DEBUG"]);
        Assert.Equal("stopTimeout", merged.NameOf("stopTimeout"));
        Assert.Equal("services.web_2.port", merged.NameOf("port"));
        Assert.Null(merged.Services);
    }

    [Fact]
    public void Env_is_merged_variable_by_variable_and_lists_are_replaced()
    {
        using var folder = new TempFolder();
        var path = folder.Write("freshserve.json", """
            { "env": { "A": "top", "B": "top" }, "exclude": ["*.log"],
              "services": { "one": { "command": "sh", "env": { "B": "one" }, "exclude": "tmp/**" }, "two": { "command": "sh" } } }
            """);
        var values = ConfigFile.Load(path);
        var one = values.Services![0].Values.Over(values);
        Assert.Equal("top", one.Env!["A"]);
        Assert.Equal("one", one.Env["B"]);
        Assert.Equal(["tmp/**"], one.Exclude);
        Assert.Equal(["*.log"], values.Services[1].Values.Over(values).Exclude);
    }

    [Theory]
    [InlineData("{ \"services\": {\n  \"my api\": { \"command\": \"sh\" } } }", "line 2, column 3: 'my api' is not a service name: use letters, digits, '-' and '_'")]
    [InlineData("{ \"services\": {\n  \"api\": { \"cwd\": \"api\" } } }", "line 2, column 3: service 'api' has no 'command'")]
    [InlineData("{ \"services\": { \"api\": { \"command\": \"sh\" },\n  \"api\": { \"command\": \"sh\" } } }", "line 2, column 3: service 'api' is defined twice")]
    [InlineData("{ \"services\": { \"api\": { \"command\": \"sh\",\n  \"dependsOn\": [\"db\", \"wrker\"] }, \"worker\": { \"command\": \"sh\" } } }", "line 2, column 17: 'dependsOn': unknown service 'db'")]
    [InlineData("{ \"services\": { \"api\": { \"command\": \"sh\", \"dependsOn\": \"wrker\" }, \"worker\": { \"command\": \"sh\" } } }", "unknown service 'wrker'; did you mean 'worker'? The services are: api, worker")]
    [InlineData("{ \"services\": {\n \"api\": { \"command\": \"sh\", \"dependsOn\": [\"worker\"] },\n \"worker\": { \"command\": \"sh\", \"dependsOn\": [\"api\"] } } }", "line 3, column 45: 'dependsOn' makes a cycle: api -> worker -> api")]
    [InlineData("{ \"services\": {\n \"api\": { \"command\": \"sh\", \"dependsOn\": [\"web\", \"api\"] }, \"web\": { \"command\": \"sh\" } } }", "line 2, column 49: 'dependsOn' makes a cycle: api -> api")]
    [InlineData("{ \"services\": {\n \"a\": { \"command\": \"sh\", \"dependsOn\": \"b\" },\n \"b\": { \"command\": \"sh\", \"dependsOn\": \"c\" },\n \"c\": { \"command\": \"sh\", \"dependsOn\": \"a\" } } }", "line 4, column 39: 'dependsOn' makes a cycle: a -> b -> c -> a")]
    [InlineData("{ \"port\": 8000,\n \"services\": { \"api\": { \"command\": \"sh\" } } }", "line 1, column 3: 'port' at the top level would be the same for every service")]
    [InlineData("{ \"services\": { \"api\": { \"command\": \"sh\" } },\n  \"command\": \"sh\" }", "line 2, column 3: 'command' at the top level would be the same for every service")]
    [InlineData("{ \"services\": {} }", "line 1, column 3: 'services' is empty")]
    [InlineData("{ \"services\": [\"api\"] }", "'services' must be an object of named services")]
    [InlineData("{ \"services\": { \"api\": \"uvicorn app:app\" } }", "service 'api' must be an object")]
    [InlineData("{ \"services\": { \"api\": { \"command\": \"sh\",\n  \"replace\": true } } }", "line 2, column 3: 'replace' holds for the whole run, not one service")]
    [InlineData("{ \"services\": { \"api\": { \"command\": \"sh\", \"dependOn\": [] } } }", "unknown key 'dependOn'; did you mean 'dependsOn'?")]
    [InlineData("{ \"services\": { \"api\": { \"command\": \"sh\", \"cwd\": \"\" } } }", "'cwd' is empty")]
    [InlineData("{ \"services\": { \"api\": { \"command\": \"sh\", \"dependsOn\": [1] } } }", "'dependsOn' must be a service name or an array of them")]
    [InlineData("{ \"cwd\": \"api\" }", "line 1, column 3: 'cwd' belongs in a service")]
    [InlineData("{ \"services\": { \"api\": { \"command\": \"sh\", \"port\": 0 } } }", "'port' must be between 1 and 65535")]
    public void Service_mistakes_name_the_file_line_and_column(string json, string expected)
    {
        using var folder = new TempFolder();
        var path = folder.Write("freshserve.json", json);
        var error = Assert.Throws<UsageException>(() => ConfigFile.Load(path));
        Assert.StartsWith(path + ": ", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData(new[] { "watch", "uvicorn", "app:app", "--reload" }, "Unrecognized option '--reload'. If it belongs to the server command, that goes after --, like: freshserve watch -- uvicorn app:app --reload")]
    [InlineData(new[] { "watch", "-p", "abc", "--", "x" }, "--port: 'abc' is not a number")]
    [InlineData(new[] { "watch", "--proxy", "--", "x" }, "Missing value for option '--proxy' before --.")]
    public async Task Words_before_the_separator_without_services_are_explained_in_one_line(string[] args, string expected)
    {
        using var folder = new TempFolder();
        var (code, output) = await FreshServeProcess.RunAsync(folder.Path, args);
        Assert.Equal(2, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains(expected, lines[0]);
    }

    [Fact]
    public async Task A_bad_services_file_stops_the_real_tool_with_one_line()
    {
        using var folder = new TempFolder();
        folder.Write("freshserve.json", "{ \"services\": {\n \"api\": { \"command\": \"sh\", \"dependsOn\": \"api\" } } }");
        var (code, output) = await FreshServeProcess.RunAsync(folder.Path, "watch");
        Assert.Equal(2, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains("freshserve.json: line 2, column 41: 'dependsOn' makes a cycle: api -> api", lines[0]);
    }

    [Fact]
    public void The_published_schema_lists_every_key_a_service_accepts()
    {
        var schemaPath = Path.Combine(TestPaths.RepoRoot, "schema", "freshserve.schema.json");
        using var schema = System.Text.Json.JsonDocument.Parse(File.ReadAllText(schemaPath));
        var service = schema.RootElement.GetProperty("$defs").GetProperty("service");
        var properties = service.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.Equal(ConfigFile.ServiceKeys.ToHashSet(), properties);
        Assert.False(service.GetProperty("additionalProperties").GetBoolean());
    }
}
