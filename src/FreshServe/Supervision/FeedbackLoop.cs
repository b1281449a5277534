namespace FreshServe.Supervision;

/// <summary>
/// Notices a server that changes a watched file itself as it starts (its log, a database, generated code), so each
/// start causes the next restart, forever. A change counts as early when it comes within <see cref="SoonAfterStart"/>
/// of the start and before the server was ready. Once the same files alone caused <see cref="Streak"/> early restarts
/// in a row, they are the server's echo: the user is told once, and restarts caused by only those files, early, wait
/// <see cref="Pause"/> before starting. Such a change is never dropped (it may be a real edit); it is only slowed.
/// </summary>
public sealed class FeedbackLoop
{
    /// <summary>A change this soon after the start, before ready, is more likely the server's own doing than an edit.</summary>
    public static readonly TimeSpan SoonAfterStart = TimeSpan.FromSeconds(1);

    /// <summary>Restarts in a row, each caused early by the same files, that make a loop.</summary>
    public const int Streak = 4;

    /// <summary>How long a restart caused only by the echo waits, so the loop cannot spin.</summary>
    public static readonly TimeSpan Pause = TimeSpan.FromSeconds(2);

    private readonly HashSet<string> _echoes = new(StringComparer.Ordinal);
    private string? _last;
    private int _streak;

    /// <summary>True when this burst is only files known to echo, and it came early.</summary>
    public bool IsEcho(IReadOnlyCollection<string> burst, bool early) =>
        early && burst.Count > 0 && burst.All(_echoes.Contains);

    /// <summary>Records one restart's burst; true when it completes a loop (the files then count as echoes).</summary>
    public bool Observe(IReadOnlyList<string> burst, bool early)
    {
        // Lost events (an overflow) may hide any edit: never an echo.
        if (!early || burst.Count == 0 || burst.Contains(Watching.ChangeSink.Unknown))
        {
            (_last, _streak) = (null, 0);
            return false;
        }

        var files = string.Join('\n', burst.Order(StringComparer.Ordinal));
        _streak = files == _last ? _streak + 1 : 1;
        _last = files;
        if (_streak < Streak || !_echoes.Add(files))
        {
            return false;
        }

        _echoes.UnionWith(burst);
        return true;
    }
}
