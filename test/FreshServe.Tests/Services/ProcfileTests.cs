using FreshServe.Cli;
using FreshServe.Common;
using FreshServe.Config;
using FreshServe.Services;
using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Services;

/// <summary>Procfiles (foreman, honcho, overmind) read from real files and resolved into services.</summary>
public sealed class ProcfileTests
{
    private static ResolvedProject? Resolve(TempFolder folder, WatchArguments args, Func<string, string?>? environment = null) =>
        ProjectResolver.Resolve(args, ConfigFile.Find(args.Config, folder.Path), environment ?? (_ => null), folder.Path, stdinIsTerminal: false);

    [Fact]
    public void Each_line_is_a_service_and_lines_that_use_PORT_get_their_own_as_foreman_gives_them()
    {
        var services = Procfile.Parse("/app/Procfile", """
            # the API and its worker
            web: uvicorn app:app --port $PORT

            worker:   python3 worker.py --queue jobs
              admin: php -S 127.0.0.1:${PORT} -t public
            release: ./migrate.sh && echo done
            """.Replace("\n", "\r\n", StringComparison.Ordinal), basePort: 5000);

        Assert.Equal(["web", "worker", "admin", "release"], services.Select(s => s.Name));
        Assert.Equal(["uvicorn", "app:app", "--port", "5000"], services[0].Values.Command);
        Assert.Equal("5000", services[0].Values.Env!["PORT"]);
        Assert.Equal(["python3", "worker.py", "--queue", "jobs"], services[1].Values.Command);
        Assert.Null(services[1].Values.Env);
        Assert.Equal(["php", "-S", "127.0.0.1:5200", "-t", "public"], services[2].Values.Command);
        Assert.Equal("5200", services[2].Values.Env!["PORT"]);
        Assert.Equal(new ConfigPlace("admin", 5, 3), services[2].Place);
        Assert.Equal(OperatingSystem.IsWindows() ? ["cmd", "/c", "./migrate.sh && echo done"] : ["sh", "-c", "./migrate.sh && echo done"],
            services[3].Values.Command);
        Assert.Equal("/app/Procfile", services[3].Values.Path);
    }

    [Theory]
    [InlineData("web: node server.js\nweb uvicorn app:app\n", "line 2, column 1: 'web uvicorn app' is not a service name")]
    [InlineData("web: node server.js\n\n  just words\n", "line 3, column 3: expected 'name: command'")]
    [InlineData("web: node a.js\nweb: node b.js\n", "line 2, column 1: service 'web' is defined twice")]
    [InlineData("web:\n", "line 1, column 1: service 'web' has no command after the ':'")]
    [InlineData("# nothing here\n\n", "no services in it")]
    public void Procfile_mistakes_name_the_line(string text, string expected)
    {
        var error = Assert.Throws<UsageException>(() => Procfile.Parse("/app/Procfile", text, 5000));
        Assert.StartsWith("/app/Procfile: ", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Without_freshserve_json_or_a_command_the_Procfile_in_the_folder_runs_each_service_watching_the_folder()
    {
        using var folder = new TempFolder();
        var path = folder.Write("Procfile", "web: uvicorn app:app --port $PORT\nworker: python3 worker.py\n");
        var project = Resolve(folder, new WatchArguments(), name => name == "PORT" ? "7000" : null)!;

        Assert.Equal(path, project.Plan.Source);
        Assert.Null(project.ConfigPath);
        var (web, worker) = (project.Plan.Services[0], project.Plan.Services[1]);
        Assert.Equal(7000, web.Settings.Port);
        Assert.Equal("uvicorn", project.Services[0].Preset?.Preset.Name);
        Assert.Equal(folder.Path, web.Settings.WorkingDirectory);
        Assert.Equal([folder.Path], web.Settings.WatchRoots);
        Assert.Null(worker.Settings.Port);
        Assert.Equal([folder.Path], worker.Settings.WatchRoots);

        var some = Resolve(folder, WatchCommandLine.Parse("worker"))!;
        Assert.Equal(["worker"], some.Plan.Services.Select(s => s.Name));
    }

    [Fact]
    public void A_command_after_the_separator_or_in_freshserve_json_runs_alone_as_before()
    {
        using var folder = new TempFolder();
        folder.Write("Procfile", "web: uvicorn app:app --port $PORT\n");
        Assert.Null(Resolve(folder, WatchCommandLine.Parse("--", "uvicorn", "app:app")));
        folder.Write("freshserve.json", """{ "command": "uvicorn app:app" }""");
        Assert.Null(Resolve(folder, new WatchArguments()));
    }

    [Fact]
    public void Freshserve_json_without_a_command_gives_the_Procfiles_services_their_defaults()
    {
        using var folder = new TempFolder();
        folder.Write("Procfile", "web: uvicorn app:app --port $PORT\n");
        folder.Write("freshserve.json", """{ "stopTimeout": "1s", "env": { "A": "1" } }""");
        var web = Resolve(folder, new WatchArguments())!.Plan.Services.Single();
        Assert.Equal(TimeSpan.FromSeconds(1), web.Settings.Stop.Timeout);
        Assert.Equal("1", web.Settings.Environment["A"]);
        Assert.Equal("5000", web.Settings.Environment["PORT"]);

        folder.Write("freshserve.json", """{ "watch": "nope" }""");
        var error = Assert.Throws<UsageException>(() => Resolve(folder, new WatchArguments()));
        Assert.StartsWith(folder.File("freshserve.json") + ": 'watch': folder ", error.Message);
    }

    [Fact]
    public void Procfile_option_names_the_file_and_refuses_what_does_not_fit()
    {
        using var folder = new TempFolder();
        var path = folder.Write("dev/Procfile.dev", "api: uvicorn app:app --port $PORT\n");
        var project = Resolve(folder, WatchCommandLine.Parse("--procfile", "dev/Procfile.dev"))!;
        Assert.Equal(path, project.Plan.Source);
        Assert.Equal(folder.File("dev"), project.Plan.Services.Single().Settings.WorkingDirectory);

        Assert.Contains("--procfile: file '", Assert.Throws<UsageException>(() => Resolve(folder, WatchCommandLine.Parse("--procfile", "nope"))).Message);
        Assert.Contains("is a folder", Assert.Throws<UsageException>(() => Resolve(folder, WatchCommandLine.Parse("--procfile", "dev"))).Message);
        Assert.Contains("cannot be used with a command after --",
            Assert.Throws<UsageException>(() => Resolve(folder, WatchCommandLine.Parse("--procfile", "dev/Procfile.dev", "--", "sh"))).Message);
        folder.Write("freshserve.json", """{ "command": "uvicorn app:app" }""");
        Assert.Contains("cannot be used with the 'command' of ",
            Assert.Throws<UsageException>(() => Resolve(folder, WatchCommandLine.Parse("--procfile", "dev/Procfile.dev"))).Message);
    }
}
