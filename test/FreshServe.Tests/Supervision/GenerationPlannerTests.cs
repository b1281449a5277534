using FreshServe.Proxy;
using FreshServe.Supervision;

namespace FreshServe.Tests.Supervision;

public sealed class GenerationPlannerTests
{
    private static readonly WatchSettings Settings = new()
    {
        Command = "uvicorn",
        CommandArguments = ["app:app", "--port", "{port}"],
        WorkingDirectory = "/srv/app",
        WatchRoots = ["/srv/app"],
        Environment = new Dictionary<string, string> { ["MODE"] = "user" },
        PresetEnvironment = new Dictionary<string, string> { ["MODE"] = "preset", ["FROM_PRESET"] = "1" },
        DetachStdin = true,
    };

    [Fact]
    public void Behind_the_proxy_the_given_port_goes_into_the_arguments_and_PORT()
    {
        var spec = new GenerationPlanner(Settings with { Proxy = new ProxySettings { Port = 8000 } }, "/usr/bin/uvicorn")
            .Plan(3, ["app.py", "templates/index.html"], workerPort: 41234);

        Assert.Equal("/usr/bin/uvicorn", spec.FileName);
        Assert.Equal(["app:app", "--port", "41234"], spec.Arguments);
        Assert.Equal("41234", spec.Environment["PORT"]);
        Assert.Equal("3", spec.Environment["FRESHSERVE_GENERATION"]);
        Assert.Equal($"app.py{Path.PathSeparator}templates/index.html", spec.Environment["FRESHSERVE_CHANGED"]);
        Assert.Equal("/srv/app", spec.WorkingDirectory);
        Assert.True(spec.DetachStdin);
    }

    [Fact]
    public void Without_the_proxy_the_command_is_left_as_written()
    {
        var spec = new GenerationPlanner(Settings, "/usr/bin/uvicorn").Plan(1, [], workerPort: 8000);

        Assert.Equal(["app:app", "--port", "{port}"], spec.Arguments);
        Assert.Equal(Environment.GetEnvironmentVariable("PORT"), spec.Environment.GetValueOrDefault("PORT"));
        Assert.Equal("1", spec.Environment["FRESHSERVE_GENERATION"]);
        Assert.Equal(string.Empty, spec.Environment["FRESHSERVE_CHANGED"]);
    }

    [Fact]
    public void The_users_environment_wins_over_the_presets_and_python_gets_unbuffered_output()
    {
        var spec = new GenerationPlanner(Settings, "/usr/bin/uvicorn").Plan(1, [], workerPort: null);

        Assert.Equal("user", spec.Environment["MODE"]);
        Assert.Equal("1", spec.Environment["FROM_PRESET"]);
        Assert.Equal("1", spec.Environment["FRESHSERVE"]);
        Assert.Equal("1", spec.Environment["PYTHONUNBUFFERED"]);
    }

    [Fact]
    public void Each_generation_gets_its_own_number_and_changed_files_and_nothing_else_differs()
    {
        var planner = new GenerationPlanner(Settings with { Proxy = new ProxySettings { Port = 8000 } }, "/usr/bin/uvicorn");
        var first = planner.Plan(1, [], 40001);
        var second = planner.Plan(2, ["a.py"], 40002);

        var differing = first.Environment.Keys.Where(key => first.Environment[key] != second.Environment.GetValueOrDefault(key)).Order(StringComparer.Ordinal);
        Assert.Equal(["FRESHSERVE_CHANGED", "FRESHSERVE_GENERATION", "PORT"], differing);
    }
}
