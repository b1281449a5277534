using FreshServe.Cli;
using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Cli;

/// <summary>Each port says exactly where it came from: freshserve's option, the file, an argument, a variable, a default.</summary>
public sealed class PortSourceTests
{
    [Theory]
    [InlineData("uvicorn web_app:app --port 8001", 8001, "'--port 8001' in the command")]
    [InlineData("uvicorn web_app:app", 8000, "the uvicorn preset's default")]
    [InlineData("python3 manage.py runserver 0.0.0.0:8002 --noreload", 8002, "'runserver 0.0.0.0:8002' in the command")]
    [InlineData("gunicorn -b 127.0.0.1:8004 app:app", 8004, "'-b 127.0.0.1:8004' in the command")]
    [InlineData("gunicorn --bind=:8005 app:app", 8005, "'--bind=:8005' in the command")]
    [InlineData("php -S 127.0.0.1:8300", 8300, "'-S 127.0.0.1:8300' in the command")]
    [InlineData("php8.2 -S [::1]:8301 -t public", 8301, "'-S [::1]:8301' in the command")]
    [InlineData("npx next dev -p 3001", 3001, "'-p 3001' in the command")]
    [InlineData("next dev --port 3002", 3002, "'--port 3002' in the command")]
    [InlineData("python3 -m http.server 8011", 8011, "'http.server 8011' in the command")]
    [InlineData("dotnet run --urls http://localhost:5080", 5080, "'--urls http://localhost:5080' in the command")]
    public void The_source_names_what_was_written(string commandLine, int port, string source)
    {
        using var folder = new TempFolder();
        var settings = new WatchArguments { RemainingArguments = commandLine.Split(' ') }.ToSettings(folder.Path);
        Assert.Equal(port, settings.Port);
        Assert.Equal(source, settings.PortSource);
    }

    [Fact]
    public void A_port_in_a_package_script_is_named_as_the_scripts_not_as_the_presets()
    {
        using var folder = new TempFolder();
        folder.Write("package.json", """{ "scripts": { "dev": "node server.js --port 3005", "web": "vite --port 5180" } }""");

        var dev = new WatchArguments { RemainingArguments = ["npm", "run", "dev"] }.ToSettings(folder.Path);
        var web = new WatchArguments { RemainingArguments = ["npm", "run", "web"] }.ToSettings(folder.Path);

        Assert.Equal(3005, dev.Port);
        Assert.Equal("'--port 3005' in the 'dev' script in package.json", dev.PortSource);
        Assert.Equal("'--port 5180' in the 'web' script in package.json", web.PortSource);
    }

    [Fact]
    public void Freshserves_own_option_the_config_file_and_variables_are_named()
    {
        using var folder = new TempFolder();
        Assert.Equal("--port", new WatchArguments { Port = 8100, RemainingArguments = ["node", "server.js"] }.ToSettings(folder.Path).PortSource);
        Assert.Equal("PORT=8101 in --env",
            new WatchArguments { Env = ["PORT=8101"], RemainingArguments = ["node", "server.js"] }.ToSettings(folder.Path).PortSource);
        Assert.Equal("UVICORN_PORT=8102 in --env",
            new WatchArguments { Env = ["UVICORN_PORT=8102"], RemainingArguments = ["uvicorn", "app:app"] }.ToSettings(folder.Path).PortSource);

        folder.Write("freshserve.json", """{ "port": 8103, "command": ["node", "server.js"] }""");
        var fromFile = new WatchArguments().ToSettings(folder.Path);
        Assert.Equal(8103, fromFile.Port);
        Assert.Equal("'port' in freshserve.json", fromFile.PortSource);
    }

    [Fact]
    public void With_no_port_anywhere_there_is_no_source_and_the_port_is_left_to_observation()
    {
        using var folder = new TempFolder();
        var settings = new WatchArguments { RemainingArguments = ["sh", "-c", "node server.js 34907"] }.ToSettings(folder.Path);
        Assert.Null(settings.Port);
        Assert.Null(settings.PortSource);
    }
}
