using System.Collections.Concurrent;
using FreshServe.Watching;
using Microsoft.Extensions.Logging;

namespace FreshServe.Tests.Watching;

/// <summary>The two ways of watching every watcher test runs against.</summary>
public enum WatcherKind
{
    Events,
    Polling,
}

/// <summary>A real <see cref="FileWatching"/> over real folders, recording every path it reports and every line it logs.</summary>
public sealed class WatcherHarness : IDisposable
{
    public static readonly TimeSpan TestPollInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    private readonly ConcurrentQueue<FileChange> _changes = new();

    public WatcherHarness(WatcherKind kind, IReadOnlyList<string> roots, WatchOptions? options = null)
    {
        Kind = kind;
        Roots = roots;
        var basis = options ?? new WatchOptions();
        Watcher = new FileWatching(roots, basis with
        {
            ForcePollReason = kind == WatcherKind.Polling ? "test" : basis.ForcePollReason,
            PollInterval = TestPollInterval,
        }, Log);
        Watcher.Changed += _changes.Enqueue;
    }

    public WatcherKind Kind { get; }
    public IReadOnlyList<string> Roots { get; }
    public FileWatching Watcher { get; }
    public ListLogger Log { get; } = new();

    /// <summary>Every change reported, in order.</summary>
    public IReadOnlyList<FileChange> Reported => _changes.ToArray();

    /// <summary>Reported full paths.</summary>
    public IReadOnlyList<string> Changes => Reported.Where(c => !c.IsLost).Select(c => c.Path).ToArray();

    /// <summary>True once lost events were reported.</summary>
    public bool Lost => Reported.Any(c => c.IsLost);

    /// <summary>Reported paths relative to the first root ("*" for lost events).</summary>
    public IReadOnlyList<string> RelativeChanges =>
        Reported.Select(c => c.IsLost ? ChangedPaths.LostMarker : Path.GetRelativePath(Roots[0], c.Path).Replace('\\', '/')).ToArray();

    /// <summary>The kinds reported for one path relative to the first root, in order.</summary>
    public IReadOnlyList<ChangeKind> KindsOf(string relativePath) =>
        Reported.Where(c => !c.IsLost && Path.GetRelativePath(Roots[0], c.Path).Replace('\\', '/') == relativePath).Select(c => c.Kind).ToArray();

    public WatcherHarness Start()
    {
        Watcher.Start();
        Assert.Equal(Kind == WatcherKind.Polling, Watcher.IsPolling);
        return this;
    }

    public void Clear() => _changes.Clear();

    /// <summary>Waits until <paramref name="relativePath"/> (relative to the first root) has been reported.</summary>
    public Task WaitForAsync(string relativePath) =>
        WaitUntilAsync(() => RelativeChanges.Contains(relativePath), $"'{relativePath}' to be reported");

    public async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException(
                    $"{Kind}: timed out waiting for {what}. Reported: [{string.Join(", ", RelativeChanges)}]\nLog:\n{string.Join('\n', Log.Lines)}");
            }

            await Task.Delay(20);
        }
    }

    public void Dispose() => Watcher.Dispose();
}

public sealed class ListLogger : ILogger
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => _lines.ToArray();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _lines.Enqueue(formatter(state, exception));
}
