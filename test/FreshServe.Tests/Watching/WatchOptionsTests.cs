using FreshServe.Cli;
using FreshServe.Tests.Infrastructure;
using FreshServe.Watching;

namespace FreshServe.Tests.Watching;

public sealed class WatchOptionsTests
{
    [Fact]
    public void Watch_options_reach_the_settings()
    {
        using var folder = new TempFolder();
        var options = Parse(folder.Path, "-i", "*.py", "--include", "templates/**", "--only", "*.toml", "-x", "**/test_*.py",
            "--no-default-ignore", "--no-gitignore", "--poll", "--poll-interval", "250ms", "--", "uvicorn", "app:app");

        Assert.Equal(["*.py", "templates/**"], options.Include);
        Assert.Equal(["*.toml"], options.Only);
        Assert.Equal(["**/test_*.py"], options.Exclude);
        Assert.False(options.DefaultIgnores);
        Assert.False(options.GitIgnore);
        Assert.Equal("--poll", options.ForcePollReason);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.PollInterval);
    }

    [Fact]
    public void Defaults_use_events_every_file_the_default_ignores_and_gitignore()
    {
        using var folder = new TempFolder();
        var options = Parse(folder.Path, "--", "sh", "-c", "true");

        Assert.Empty(options.Include);
        Assert.Empty(options.Only);
        Assert.Empty(options.Exclude);
        Assert.True(options.DefaultIgnores);
        Assert.True(options.GitIgnore);
        Assert.Null(options.ForcePollReason);
        Assert.Equal(WatchOptions.DefaultPollInterval, options.PollInterval);
    }

    private static WatchOptions Parse(string folder, params string[] args)
    {
        return WatchCommandLine.Parse(args).ToSettings(folder).Watching;
    }
}
