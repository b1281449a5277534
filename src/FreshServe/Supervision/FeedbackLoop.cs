namespace FreshServe.Supervision;

/// <summary>
/// Names a likely restart loop that no evidence explained (see <see cref="ServerWrites"/>): the same files alone
/// changed within <see cref="SoonAfterStart"/> of <see cref="Streak"/> starts in a row, each time before the server was
/// ready. It only says so, once: nothing is slowed or dropped, since the same pattern is also a user saving quickly.
/// </summary>
public sealed class FeedbackLoop
{
    /// <summary>A change this soon after the start, before ready, is the kind a server's own write makes.</summary>
    public static readonly TimeSpan SoonAfterStart = TimeSpan.FromSeconds(1);

    /// <summary>Restarts in a row, each caused early by the same files, that look like a loop.</summary>
    public const int Streak = 4;

    private readonly HashSet<string> _told = new(StringComparer.Ordinal);
    private string? _last;
    private int _streak;

    /// <summary>Records one restart's burst; true the first time these files complete a streak (say it then).</summary>
    public bool Observe(IReadOnlyList<Watching.FileChange> burst, bool early)
    {
        // Lost events (an overflow) may hide any edit: never part of a loop.
        if (!early || burst.Count == 0 || burst.Any(change => change.IsLost))
        {
            (_last, _streak) = (null, 0);
            return false;
        }

        var files = string.Join('\n', burst.Select(change => change.Path).Order(StringComparer.Ordinal));
        _streak = files == _last ? _streak + 1 : 1;
        _last = files;
        return _streak >= Streak && _told.Add(files);
    }
}
