using FreshServe.Cli;
using FreshServe.Common;
using FreshServe.Config;
using FreshServe.Presets;
using FreshServe.Tests.Infrastructure;
using McMaster.Extensions.CommandLineUtils;

namespace FreshServe.Tests.Config;

/// <summary>The watch, polling and proxy keys of freshserve.json: read from real files, resolved against the command line.</summary>
public sealed class ConfigOptionKeysTests
{
    [Fact]
    public void Every_command_line_option_has_a_config_key()
    {
        using var watch = RootCommand.Create().Commands.Single(c => c.Name == "watch");
        var options = watch.GetOptions()
            .Select(o => o.LongName)
            .OfType<string>()
            .Where(name => name is not ("help" or "config" or "procfile"))
            .ToList();
        Assert.Contains("poll-interval", options);

        foreach (var option in options)
        {
            var words = option.Split('-');
            var key = words[0] + string.Concat(words.Skip(1).Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
            Assert.True(ConfigFile.Keys.Contains(key), $"--{option} has no config key '{key}'");
        }
    }

    [Fact]
    public void Watch_keys_in_the_file_reach_the_watcher()
    {
        using var folder = new TempFolder();
        folder.Write("freshserve.json", """
            { "command": ["sh", "-c", "true"], "include": "*.py", "exclude": ["**/test_*.py", "tmp/**"],
              "noDefaultIgnore": true, "noGitignore": true, "poll": true, "pollInterval": "250ms", "replace": true }
            """);

        var resolved = WatchResolver.Resolve(new WatchArguments(), folder.Path);
        var settings = resolved.Settings;
        Assert.Equal(["*.py"], settings.Watching.Include);
        Assert.Equal(["**/test_*.py", "tmp/**"], settings.Watching.Exclude);
        Assert.False(settings.Watching.DefaultIgnores);
        Assert.False(settings.Watching.GitIgnore);
        Assert.Equal("poll in freshserve.json", settings.Watching.ForcePollReason);
        Assert.Equal(TimeSpan.FromMilliseconds(250), settings.Watching.PollInterval);
        Assert.True(resolved.Replace);
    }

    [Fact]
    public void The_command_line_wins_over_the_files_watch_keys()
    {
        using var folder = new TempFolder();
        folder.Write("freshserve.json", """
            { "command": ["sh", "-c", "true"], "include": ["*.txt"], "exclude": ["a/**"], "pollInterval": "250ms", "poll": false }
            """);

        var resolved = WatchResolver.Resolve(new WatchArguments { Include = ["*.py"], PollInterval = "0.9s", Poll = true }, folder.Path);
        var settings = resolved.Settings;
        Assert.Equal(["*.py"], settings.Watching.Include);
        Assert.Equal(["a/**"], settings.Watching.Exclude);
        Assert.Equal(TimeSpan.FromMilliseconds(900), settings.Watching.PollInterval);
        Assert.Equal("--poll", settings.Watching.ForcePollReason);
        Assert.False(resolved.Replace);
    }

    [Fact]
    public void Only_comes_from_the_command_line_the_file_or_a_self_reloading_preset_and_include_adds()
    {
        using var folder = new TempFolder();
        var uvicorn = new WatchArguments { RemainingArguments = ["uvicorn", "web_app:app"], Include = ["*.yaml"] }.ToSettings(folder.Path);
        Assert.Empty(uvicorn.Watching.Only);
        Assert.Equal(["*.yaml"], uvicorn.Watching.Include);

        var vite = new WatchArguments { RemainingArguments = ["vite"], Include = ["*.yaml"] }.ToSettings(folder.Path);
        Assert.Equal(PresetCatalog.Vite.WatchOnly, vite.Watching.Only);
        Assert.Equal(["*.yaml"], vite.Watching.Include);

        var replaced = new WatchArguments { RemainingArguments = ["vite"], Only = ["src/**"] }.ToSettings(folder.Path);
        Assert.Equal(["src/**"], replaced.Watching.Only);

        var noPreset = new WatchArguments { Preset = "none", RemainingArguments = ["vite"] }.ToSettings(folder.Path);
        Assert.Empty(noPreset.Watching.Only);

        folder.Write("freshserve.json", """{ "only": ["*.html"], "include": ["*.css"] }""");
        var fromFile = new WatchArguments { RemainingArguments = ["vite"] }.ToSettings(folder.Path);
        Assert.Equal(["*.html"], fromFile.Watching.Only);
        Assert.Equal(["*.css"], fromFile.Watching.Include);
    }

    [Fact]
    public void Proxy_keys_in_the_file_make_a_proxy_and_the_command_line_wins()
    {
        using var folder = new TempFolder();
        folder.Write("freshserve.json", """
            { "command": ["sh", "-c", "true"], "proxy": 8100, "proxyHost": "*", "keepCacheHeaders": true, "noLiveReload": true }
            """);

        var fromFile = new WatchArguments().ToSettings(folder.Path).Proxy!;
        Assert.Equal(8100, fromFile.Port);
        Assert.Equal("*", fromFile.Host);
        Assert.True(fromFile.KeepCacheHeaders);
        Assert.False(fromFile.LiveReload);

        var overridden = new WatchArguments { Proxy = 8200, ProxyHost = "127.0.0.1" }.ToSettings(folder.Path).Proxy!;
        Assert.Equal(8200, overridden.Port);
        Assert.Equal("127.0.0.1", overridden.Host);
    }

    [Fact]
    public void A_files_port_gives_way_to_proxy_on_the_command_line()
    {
        using var folder = new TempFolder();
        folder.Write("freshserve.json", """{ "command": ["sh", "-c", "true"], "port": 8001 }""");
        var settings = new WatchArguments { Proxy = 8100 }.ToSettings(folder.Path);
        Assert.Equal(8100, settings.Proxy!.Port);
        Assert.Null(settings.Port);
    }

    [Theory]
    [InlineData("""{ "command": "sh -c true", "port": 8001, "proxy": 8100 }""", "'port' and 'proxy' cannot both be set")]
    [InlineData("""{ "command": "sh -c true", "proxyHost": "*" }""", "'proxyHost', 'keepCacheHeaders' and 'noLiveReload' need 'proxy'")]
    [InlineData("""{ "command": "sh -c true", "noLiveReload": true }""", "need 'proxy' (or --proxy PORT)")]
    public void Proxy_keys_that_do_not_fit_together_are_named(string json, string expected)
    {
        using var folder = new TempFolder();
        var path = folder.Write("freshserve.json", json);
        var error = Assert.Throws<UsageException>(() => new WatchArguments().ToSettings(folder.Path));
        Assert.StartsWith(path + ": ", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData("""{"pollInterval": "5ms"}""", "line 1, column 18: 'pollInterval': 5ms is too short; the least is 10ms")]
    [InlineData("""{"include": [""]}""", "'include': a glob cannot be empty")]
    [InlineData("""{"only": ["a/../b"]}""", "'only': 'a/../b': a glob is relative")]
    [InlineData("""{"exclude": 3}""", "'exclude' must be a string or an array of strings")]
    [InlineData("""{"poll": "yes"}""", "'poll' must be true or false")]
    [InlineData("""{"proxy": 0}""", "'proxy' must be between 1 and 65535")]
    [InlineData("""{"proxyHost": "example.org"}""", "'proxyHost': 'example.org' is not localhost, * or an IP address")]
    [InlineData("""{"noGitIgnore": true}""", "unknown key 'noGitIgnore'; did you mean 'noGitignore'?")]
    [InlineData("""{"pollintervall": 100}""", "did you mean 'pollInterval'?")]
    public void Bad_values_of_the_new_keys_name_the_file_line_and_column(string json, string expected)
    {
        using var folder = new TempFolder();
        var path = folder.Write("freshserve.json", json);
        var error = Assert.Throws<UsageException>(() => ConfigFile.Load(path));
        Assert.StartsWith(path + ": ", error.Message);
        Assert.Contains(expected, error.Message);
    }
}
