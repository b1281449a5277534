namespace FreshServe.Supervision;

/// <summary>
/// How long to wait before restarting a worker that crashed: doubles with each crash in a row up to a cap, and starts
/// over once a worker stayed up for <see cref="StableAfter"/> (or after a file change or a manual restart).
/// </summary>
public sealed class CrashBackoff
{
    public CrashBackoff(TimeSpan first, TimeSpan cap, TimeSpan stableAfter)
    {
        First = first;
        Cap = cap;
        StableAfter = stableAfter;
    }

    public static CrashBackoff Default() => new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10));

    public TimeSpan First { get; }
    public TimeSpan Cap { get; }
    public TimeSpan StableAfter { get; }

    /// <summary>Crashes in a row so far, counting the one passed to the last <see cref="NextDelay"/>.</summary>
    public int Streak { get; private set; }

    /// <summary>The wait before the next start, given how long the crashed worker ran.</summary>
    public TimeSpan NextDelay(TimeSpan uptime)
    {
        if (uptime >= StableAfter)
        {
            Streak = 0;
        }

        var delay = TimeSpan.FromTicks((long)Math.Min(First.Ticks * Math.Pow(2, Streak), Cap.Ticks));
        Streak++;
        return delay;
    }

    public void Reset() => Streak = 0;
}
