namespace FreshServe.Supervision;

/// <summary>
/// Notices a server that changes a watched file itself as it starts (its log, a database, generated code), so each
/// start causes the next restart, forever. Once the same files alone caused <see cref="Streak"/> restarts in a row,
/// each within <see cref="SoonAfterStart"/> of the start, changes to only those files that soon after a start are
/// taken as the server's own echo and restart nothing; an edit of them later on, or of any other file, still does.
/// </summary>
public sealed class FeedbackLoop
{
    /// <summary>A change this soon after the start is more likely the server's own doing than an edit.</summary>
    public static readonly TimeSpan SoonAfterStart = TimeSpan.FromSeconds(1);

    /// <summary>Restarts in a row, each caused by the same files this soon after the start, that make a loop.</summary>
    public const int Streak = 4;

    private readonly HashSet<string> _echoes = new(StringComparer.Ordinal);
    private string? _last;
    private int _streak;

    /// <summary>True when this burst (so far) is only files known to echo, this soon after the start.</summary>
    public bool IsEcho(IReadOnlyCollection<string> burst, TimeSpan sinceStart) =>
        burst.Count > 0 && sinceStart <= SoonAfterStart && burst.All(_echoes.Contains);

    /// <summary>True when a path is one the server is known to write as it starts.</summary>
    public bool IsKnownEcho(string path) => _echoes.Contains(path);

    /// <summary>Records one restart's burst; true when it completes a loop (the files then count as echoes).</summary>
    public bool Observe(IReadOnlyList<string> burst, TimeSpan sinceStart)
    {
        // Lost events (an overflow) may hide any edit: never an echo.
        if (burst.Count == 0 || sinceStart > SoonAfterStart || burst.Contains(Watching.ChangeSink.Unknown))
        {
            (_last, _streak) = (null, 0);
            return false;
        }

        var files = string.Join('\n', burst.Order(StringComparer.Ordinal));
        _streak = files == _last ? _streak + 1 : 1;
        _last = files;
        if (_streak < Streak)
        {
            return false;
        }

        _echoes.UnionWith(burst);
        (_last, _streak) = (null, 0);
        return true;
    }
}
