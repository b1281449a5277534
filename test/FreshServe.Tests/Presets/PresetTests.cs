using FreshServe.Cli;
using FreshServe.Presets;
using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Presets;

public sealed class PresetTests
{
    private static readonly Dictionary<string, string> NoEnv = new();

    [Theory]
    [InlineData("uvicorn web_app:app", "uvicorn", 8000)]
    [InlineData("uvicorn web_app:app --port 8001", "uvicorn", 8001)]
    [InlineData("/usr/bin/python3 -m uvicorn web_app:app", "uvicorn", 8000)]
    [InlineData("flask run", "flask", 5000)]
    [InlineData("flask --app hello run -p 5001", "flask", 5001)]
    [InlineData("python manage.py runserver", "django", 8000)]
    [InlineData("python3 manage.py runserver 0.0.0.0:8002 --noreload", "django", 8002)]
    [InlineData("django-admin runserver 8003", "django", 8003)]
    [InlineData("python manage.py runserver --settings mysite.settings 8006", "django", 8006)]
    [InlineData("python manage.py runserver -v 2 --pythonpath src [::]:8007", "django", 8007)]
    [InlineData("flask run -p5002", "flask", 5002)]
    [InlineData("gunicorn -b:8008 app:app", "gunicorn", 8008)]
    [InlineData("gunicorn -b127.0.0.1:8009 app:app", "gunicorn", 8009)]
    [InlineData("gunicorn app:app", "gunicorn", 8000)]
    [InlineData("gunicorn -b 127.0.0.1:8004 app:app", "gunicorn", 8004)]
    [InlineData("gunicorn --bind=:8005 app:app", "gunicorn", 8005)]
    [InlineData("vite", "vite", 5173)]
    [InlineData("npx vite --port 5174", "vite", 5174)]
    [InlineData("next dev", "next", 3000)]
    [InlineData("npx next dev -p 3005", "next", 3005)]
    [InlineData("next dev --port 3006 --turbopack", "next", 3006)]
    [InlineData("rails server", "rails", 3000)]
    [InlineData("bin/rails s -p 3001", "rails", 3001)]
    [InlineData("bundle exec rails server", "rails", 3000)]
    [InlineData("node server.js", "node", null)]
    [InlineData("dotnet run --urls http://localhost:5080", "dotnet run", 5080)]
    [InlineData("go run .", "go run", null)]
    [InlineData("go run -p 4 .", "go run", null)]
    [InlineData("go run . -port 8081", "go run", 8081)]
    [InlineData("dotnet run --no-launch-profile", "dotnet run", null)]
    public void The_preset_and_its_port_come_from_the_command(string commandLine, string preset, int? port)
    {
        using var folder = new TempFolder();
        var resolved = WatchResolver.Resolve(new WatchArguments { RemainingArguments = commandLine.Split(' ') }, folder.Path);
        var settings = resolved.Settings;
        Assert.Equal(preset, resolved.Preset?.Preset.Name);
        Assert.Equal(port, settings.Port);
    }

    [Theory]
    [InlineData("sh -c true")]
    [InlineData("python script.py")]
    [InlineData("flask-foo run")]
    [InlineData("dotnet build")]
    public void Other_commands_have_no_preset(string commandLine)
    {
        var parts = commandLine.Split(' ');
        Assert.Null(PresetCatalog.Recognize(parts[0], parts[1..], Path.GetTempPath()));
    }

    [Theory]
    [InlineData("node server.js", 3002)]
    [InlineData("go run .", 3002)]
    [InlineData("rails server", 3002)]
    public void Servers_that_read_PORT_get_their_port_from_it(string commandLine, int expected)
    {
        using var folder = new TempFolder();
        var settings = new WatchArguments { RemainingArguments = commandLine.Split(' '), Env = ["PORT=3002"] }.ToSettings(folder.Path);
        Assert.Equal(expected, settings.Port);
    }

    [Fact]
    public void Dotnet_run_listens_where_its_launch_profile_says()
    {
        using var folder = new TempFolder();
        var settings = """
            {
              // as dotnet new web writes it
              "profiles": {
                "https": { "commandName": "Project", "applicationUrl": "https://localhost:7123;http://localhost:5123" },
                "http": { "commandName": "Project", "applicationUrl": "http://localhost:5124" },
                "IIS Express": { "commandName": "IISExpress" },
              }
            }
            """;
        folder.Write("Properties/launchSettings.json", settings);
        folder.Write("api/Properties/launchSettings.json", settings.Replace("5124", "5224", StringComparison.Ordinal));

        int? PortOf(string commandLine, params string[] env) =>
            new WatchArguments { RemainingArguments = commandLine.Split(' '), Env = env }.ToSettings(folder.Path).Port;

        Assert.Equal(7123, PortOf("dotnet run"));
        Assert.Equal(5124, PortOf("dotnet run --launch-profile http"));
        Assert.Equal(5224, PortOf("dotnet run --project api/api.csproj -lp http"));
        Assert.Equal(5080, PortOf("dotnet run --urls http://localhost:5080"));
        Assert.Equal(5090, PortOf("dotnet run --no-launch-profile", "ASPNETCORE_URLS=http://+:5090"));
        Assert.Equal(5091, PortOf("dotnet run --no-launch-profile", "ASPNETCORE_HTTP_PORTS=5091"));
    }

    [Fact]
    public void Npm_scripts_are_read_from_package_json()
    {
        using var folder = new TempFolder();
        folder.Write("package.json", """{ "scripts": { "dev": "vite --port 5180", "start": "node server.js", "watch": "nodemon server.js" } }""");

        var dev = PresetCatalog.Recognize("npm", ["run", "dev"], folder.Path)!;
        Assert.Equal("vite", dev.Preset.Name);
        Assert.Equal(5180, new WatchArguments { RemainingArguments = ["npm", "run", "dev"] }.ToSettings(folder.Path).Port);
        Assert.Equal("node", PresetCatalog.Recognize("npm", ["start"], folder.Path)!.Preset.Name);
        var watch = PresetCatalog.Recognize("npm", ["run", "watch"], folder.Path)!;
        Assert.Contains("runs nodemon", watch.ReloaderWarning(NoEnv));
    }

    [Fact]
    public void Npm_run_dev_of_a_next_app_is_next_on_its_port_watching_only_its_config()
    {
        using var folder = new TempFolder();
        folder.Write("package.json", """{ "scripts": { "dev": "next dev --turbopack", "other": "next dev -p 3007" } }""");

        var resolved = WatchResolver.Resolve(new WatchArguments { RemainingArguments = ["npm", "run", "dev"] }, folder.Path);
        var dev = resolved.Settings;
        Assert.Equal("next", resolved.Preset?.Preset.Name);
        Assert.Equal(3000, dev.Port);
        Assert.Equal(["next.config.*", "package.json", ".env", ".env.*"], dev.Watching.Only);
        Assert.Equal(3007, new WatchArguments { RemainingArguments = ["npm", "run", "other"] }.ToSettings(folder.Path).Port);
        Assert.Null(PresetCatalog.Recognize("next", ["build"], folder.Path));
    }

    [Theory]
    [InlineData("uvicorn web_app:app --reload", "Remove --reload")]
    [InlineData("flask run --debug", "Add --no-reload")]
    [InlineData("python manage.py runserver", "Add --noreload")]
    [InlineData("gunicorn --reload app:app", "Remove --reload")]
    [InlineData("nodemon server.js", "Run node directly")]
    [InlineData("npx nodemon server.js", "Run node directly")]
    [InlineData("node --watch server.js", "Remove --watch")]
    [InlineData("dotnet watch run", "Use dotnet run instead")]
    public void A_command_with_its_own_reloader_gets_a_warning_with_the_fix(string commandLine, string fix)
    {
        var parts = commandLine.Split(' ');
        var match = PresetCatalog.Recognize(parts[0], parts[1..], Path.GetTempPath());
        Assert.NotNull(match);
        var warning = match.ReloaderWarning(NoEnv);
        Assert.NotNull(warning);
        Assert.Contains("two reloaders fight", warning);
        Assert.Contains(fix, warning);
    }

    [Theory]
    [InlineData("uvicorn web_app:app")]
    [InlineData("flask run --debug --no-reload")]
    [InlineData("python manage.py runserver --noreload")]
    [InlineData("node server.js")]
    [InlineData("dotnet run")]
    public void A_command_without_its_own_reloader_gets_no_warning(string commandLine)
    {
        var parts = commandLine.Split(' ');
        Assert.Null(PresetCatalog.Recognize(parts[0], parts[1..], Path.GetTempPath())!.ReloaderWarning(NoEnv));
    }

    [Fact]
    public void Preset_none_turns_recognition_off_and_a_named_preset_applies_to_any_command()
    {
        using var folder = new TempFolder();
        var off = WatchResolver.Resolve(new WatchArguments { Preset = "none", RemainingArguments = ["uvicorn", "app:app"] }, folder.Path);
        Assert.Null(off.Preset);
        Assert.Null(off.Settings.Port);

        var named = WatchResolver.Resolve(new WatchArguments { Preset = "flask", RemainingArguments = ["./run-my-flask.sh"] }, folder.Path);
        Assert.Equal("flask", named.Preset?.Preset.Name);
        Assert.Equal(5000, named.Settings.Port);
    }

    [Fact]
    public void Python_presets_turn_off_bytecode_writes_unless_the_user_says_otherwise()
    {
        using var folder = new TempFolder();
        var settings = new WatchArguments { RemainingArguments = ["gunicorn", "app:app"], Env = ["PYTHONUNBUFFERED=0"] }.ToSettings(folder.Path);
        var env = FreshServe.Supervision.WorkerEnvironment.Build(settings, 1, []);
        Assert.Equal("1", env["PYTHONDONTWRITEBYTECODE"]);
        Assert.Equal("0", env["PYTHONUNBUFFERED"]);
        // Every file is watched: a Python server reads templates, .env and data files too.
        Assert.Empty(settings.Watching.Only);
    }
}
