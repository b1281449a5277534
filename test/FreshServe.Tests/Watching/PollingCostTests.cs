using FreshServe.Watching;

namespace FreshServe.Tests.Watching;

/// <summary>Polling bounds its CPU on large trees by stretching the default interval; an interval the user gives is kept.</summary>
public sealed class PollingCostTests
{
    [Theory]
    [InlineData(500, 2, true, 500)]      // a small tree: the interval as it is
    [InlineData(500, 30, true, 1500)]    // 30 ms scans: at most 1/50 of a core
    [InlineData(500, 30, false, 500)]    // the user's own interval is never stretched
    [InlineData(100, 0, true, 100)]
    public void The_pause_is_the_interval_or_the_scan_times_the_duty_factor(int intervalMs, int scanMs, bool stretch, int expectedMs) =>
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs),
            PollingWatcher.PauseAfter(TimeSpan.FromMilliseconds(intervalMs), TimeSpan.FromMilliseconds(scanMs), stretch));

    [Fact]
    public void The_default_interval_stretches_and_a_given_one_does_not()
    {
        var byDefault = new FreshServe.Cli.WatchArguments { RemainingArguments = ["sh"] };
        var given = new FreshServe.Cli.WatchArguments { RemainingArguments = ["sh"], PollInterval = "200ms" };
        var folder = Path.GetTempPath();

        Assert.True(byDefault.ToSettings(folder).Watching.StretchPollInterval);
        Assert.False(given.ToSettings(folder).Watching.StretchPollInterval);
    }
}
