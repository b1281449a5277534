using FreshServe.Cli;
using FreshServe.Common;
using FreshServe.Config;
using FreshServe.Presets;
using FreshServe.Services;
using FreshServe.Tests.Infrastructure;
using McMaster.Extensions.CommandLineUtils;

namespace FreshServe.Tests.Services;

/// <summary>freshserve.json's services resolved into a plan: real files and folders, no process started.</summary>
public sealed class ProjectResolverTests
{
    private static readonly Func<string, string?> NoEnvironment = _ => null;

    /// <summary>The issue's example: an API, a worker that waits for it, and a Vite frontend in web/.</summary>
    private static TempFolder ThreeServices(int apiPort, int webPort)
    {
        var folder = new TempFolder();
        folder.Write("api/app.py", "");
        folder.Write("shared/util.py", "");
        folder.Write("web/package.json", """{ "scripts": { "dev": "vite" } }""");
        folder.Write("freshserve.json", $$"""
            {
              "stopTimeout": "2s",
              "env": { "APP_ENV": "dev" },
              "services": {
                "web":    { "command": "npm run dev", "cwd": "web", "port": {{webPort}}, "dependsOn": ["api"] },
                "worker": { "command": "python3 worker.py", "cwd": "api", "watch": ["api", "shared"], "dependsOn": ["api"],
                            "stopTimeout": "1s", "env": { "QUEUE": "jobs" } },
                "api":    { "command": ["uvicorn", "app:app", "--port", "{{apiPort}}"], "cwd": "api", "watch": ["api", "shared"] }
              }
            }
            """);
        return folder;
    }

    private static ResolvedProject Resolve(TempFolder folder, WatchArguments args, Func<string, string?>? environment = null) =>
        ProjectResolver.Resolve(args, ConfigFile.Find(args.Config, folder.Path), environment ?? NoEnvironment, folder.Path, stdinIsTerminal: false)!;

    [Fact]
    public void Every_service_is_resolved_dependencies_first_with_its_own_folder_and_the_top_levels_defaults()
    {
        var (apiPort, webPort) = (FreePort.Get(), FreePort.Get());
        using var folder = ThreeServices(apiPort, webPort);
        var project = Resolve(folder, new WatchArguments());

        Assert.Equal(["api", "web", "worker"], project.Plan.Services.Select(s => s.Name));
        Assert.Equal(folder.File("freshserve.json"), project.Plan.Source);
        var (api, web, worker) = (project.Plan.Services[0], project.Plan.Services[1], project.Plan.Services[2]);

        Assert.Empty(api.DependsOn);
        Assert.Equal("uvicorn", api.Settings.Command);
        Assert.Equal(folder.File("api"), api.Settings.WorkingDirectory);
        Assert.Equal([folder.File("api"), folder.File("shared")], api.Settings.WatchRoots);
        Assert.Equal(apiPort, api.Settings.Port);
        Assert.Equal($"'--port {apiPort}' in the command", api.Settings.PortSource);
        Assert.Equal("uvicorn", project.Services[0].Preset?.Preset.Name);
        Assert.Equal(TimeSpan.FromSeconds(2), api.Settings.Stop.Timeout);
        Assert.Equal("dev", api.Settings.Environment["APP_ENV"]);

        Assert.Equal(["api"], web.DependsOn);
        Assert.Equal(folder.File("web"), web.Settings.WorkingDirectory);
        Assert.Equal([folder.File("web")], web.Settings.WatchRoots);
        Assert.Equal("vite", project.Services[1].Preset?.Preset.Name);
        Assert.Equal(PresetCatalog.Vite.WatchOnly, web.Settings.Watching.Only);
        Assert.Equal(webPort, web.Settings.Port);
        Assert.Equal("'services.web.port' in freshserve.json", web.Settings.PortSource);

        Assert.Equal("python3", worker.Settings.Command);
        Assert.Null(worker.Settings.Port);
        Assert.Equal(TimeSpan.FromSeconds(1), worker.Settings.Stop.Timeout);
        Assert.Equal("dev", worker.Settings.Environment["APP_ENV"]);
        Assert.Equal("jobs", worker.Settings.Environment["QUEUE"]);
        Assert.Equal(project.Plan.Services.Count, project.Services.Count);
    }

    [Fact]
    public void The_command_line_and_environment_win_over_every_services_keys()
    {
        using var folder = ThreeServices(FreePort.Get(), FreePort.Get());
        var project = Resolve(folder, new WatchArguments { StopTimeout = "3s", Env = ["QUEUE=other"], RestartOnCrash = true },
            name => name == "FRESHSERVE_POLL" ? "1" : null);
        Assert.All(project.Plan.Services, s => Assert.Equal(TimeSpan.FromSeconds(3), s.Settings.Stop.Timeout));
        Assert.All(project.Plan.Services, s => Assert.True(s.Settings.RestartOnCrash));
        Assert.All(project.Plan.Services, s => Assert.Equal("FRESHSERVE_POLL=1", s.Settings.Watching.ForcePollReason));
        Assert.Equal("other", project.Plan.Services.Single(s => s.Name == "worker").Settings.Environment["QUEUE"]);
    }

    [Theory]
    [InlineData(new[] { "worker" }, new[] { "api", "worker" })]
    [InlineData(new[] { "web", "api" }, new[] { "api", "web" })]
    [InlineData(new[] { "api" }, new[] { "api" })]
    public void Named_services_run_with_what_they_depend_on(string[] names, string[] expected)
    {
        using var folder = ThreeServices(FreePort.Get(), FreePort.Get());
        var project = Resolve(folder, WatchCommandLine.Parse(names));
        Assert.Equal(expected, project.Plan.Services.Select(s => s.Name));
    }

    [Theory]
    [InlineData(new[] { "wrker" }, "unknown service 'wrker'; did you mean 'worker'? The services in ")]
    [InlineData(new[] { "--", "uvicorn", "app:app" }, "defines services (web, worker, api), so a command after -- has no place")]
    [InlineData(new[] { "api", "--", "uvicorn" }, "so a command after -- has no place")]
    [InlineData(new[] { "--port", "8000" }, "--port is about one server, and ")]
    [InlineData(new[] { "-w", "api" }, "--watch is about one server")]
    [InlineData(new[] { "--proxy", "8000", "web" }, "--proxy is about one server")]
    [InlineData(new[] { "--procfile", "Procfile" }, "--procfile cannot be used with the services of ")]
    public void Selections_and_options_that_do_not_fit_services_are_one_line_errors(string[] args, string expected)
    {
        using var folder = ThreeServices(FreePort.Get(), FreePort.Get());
        folder.Write("Procfile", "web: npm run dev\n");
        var error = Assert.Throws<UsageException>(() => Resolve(folder, WatchCommandLine.Parse(args)));
        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Without_services_nothing_changes_and_a_name_is_a_command_without_its_separator()
    {
        using var folder = new TempFolder();
        Assert.Null(Resolve(folder, WatchCommandLine.Parse("--", "uvicorn", "app:app")));
        folder.Write("freshserve.json", """{ "command": "uvicorn app:app" }""");
        Assert.Null(Resolve(folder, new WatchArguments()));

        var error = Assert.Throws<CommandParsingException>(() => Resolve(folder, WatchCommandLine.Parse("-p", "8001", "uvicorn", "app:app")));
        Assert.Equal("Unrecognized command or argument 'uvicorn'", error.Message);
        Assert.Throws<CommandParsingException>(() => WatchResolver.Resolve(WatchCommandLine.Parse("uvicorn"), folder.Path));
    }

    [Theory]
    [InlineData("\"a\": { \"command\": \"sh\", \"port\": PORT },\n \"b\": { \"command\": \"sh\",\n  \"port\": PORT }", "line 4, column 3: services 'a' and 'b' both use port PORT (a: 'services.a.port' in freshserve.json; b: 'services.b.port' in freshserve.json)")]
    [InlineData("\"a\": { \"command\": \"sh\", \"proxy\": PORT },\n \"b\": {\n  \"command\": [\"uvicorn\", \"app:app\", \"--port\", \"PORT\"] }", "line 4, column 3: services 'a' and 'b' both use port PORT (a: its proxy ('services.a.proxy' in freshserve.json); b: '--port PORT' in the command)")]
    [InlineData("\"a\": { \"command\": \"uvicorn app:app --port PORT\" },\n \"b\": { \"command\": \"sh\", \"port\": PORT }", "line 3, column 26: services 'a' and 'b' both use port PORT (a: '--port PORT' in the command; b: 'services.b.port' in freshserve.json)")]
    public void Two_services_on_one_port_name_the_file_line_and_column(string services, string expected)
    {
        var port = FreePort.Get().ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var folder = new TempFolder();
        var path = folder.Write("freshserve.json", "{ \"services\": {\n " + services.Replace("PORT", port, StringComparison.Ordinal) + " } }");
        var error = Assert.Throws<UsageException>(() => Resolve(folder, new WatchArguments()));
        Assert.Equal($"{path}: {expected.Replace("PORT", port, StringComparison.Ordinal)}; give each its own port", error.Message);
    }

    [Fact]
    public void A_missing_service_folder_names_its_cwd_key()
    {
        using var folder = new TempFolder();
        var path = folder.Write("freshserve.json", "{ \"services\": {\n \"api\": { \"command\": \"sh\", \"cwd\": \"nope\" } } }");
        var error = Assert.Throws<UsageException>(() => Resolve(folder, new WatchArguments()));
        Assert.Equal($"{path}: line 2, column 28: 'cwd': folder '{folder.File("nope")}' does not exist", error.Message);
    }

    [Fact]
    public void A_missing_watch_folder_of_a_service_names_the_services_key()
    {
        using var folder = new TempFolder();
        folder.Write("freshserve.json", "{ \"services\": { \"api\": { \"command\": \"sh\", \"watch\": \"nope\" } } }");
        var error = Assert.Throws<UsageException>(() => Resolve(folder, new WatchArguments()));
        Assert.Contains("freshserve.json: 'services.api.watch': folder", error.Message);
    }
}
