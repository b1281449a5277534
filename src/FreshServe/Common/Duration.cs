using System.Globalization;

namespace FreshServe.Common;

/// <summary>
/// Durations as the user writes them: a number with a unit, <c>500ms</c>, <c>5s</c>, <c>1.5s</c>, <c>2m</c>. The one
/// rule for every duration option and config key: a bare number is rejected (is <c>5</c> milliseconds or seconds?),
/// except <c>0</c>, which needs no unit.
/// </summary>
public static class Duration
{
    /// <summary>Parses <paramref name="text"/>; false for anything that is not a number with a unit (or 0).</summary>
    public static bool TryParse(string? text, out TimeSpan value) => TryParse(text, out value, out _);

    /// <param name="bareNumber">True when the text is a number without a unit (other than 0), the one mistake with a likely fix.</param>
    internal static bool TryParse(string? text, out TimeSpan value, out bool bareNumber)
    {
        value = default;
        bareNumber = false;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var s = text.Trim().ToLowerInvariant();
        (string number, double scale, bool unit) = s switch
        {
            _ when s.EndsWith("ms", StringComparison.Ordinal) => (s[..^2], 1.0, true),
            _ when s.EndsWith('s') => (s[..^1], 1000.0, true),
            _ when s.EndsWith('m') => (s[..^1], 60_000.0, true),
            _ => (s, 1.0, false),
        };

        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite,
                CultureInfo.InvariantCulture, out var amount)
            || double.IsInfinity(amount) || amount * scale > int.MaxValue)
        {
            return false;
        }

        if (!unit && s != "0")
        {
            bareNumber = true;
            return false;
        }

        value = TimeSpan.FromMilliseconds(amount * scale);
        return true;
    }

    /// <summary>For log lines: <c>50 ms</c>, <c>5.0 s</c>.</summary>
    public static string Format(TimeSpan value) =>
        value.TotalMilliseconds < 1000
            ? $"{value.TotalMilliseconds:0} ms"
            : $"{value.TotalSeconds.ToString("0.0#", CultureInfo.InvariantCulture)} s";

    /// <summary>As the user would write it: <c>0</c>, <c>10ms</c>, <c>1.5s</c>, <c>10m</c>.</summary>
    public static string Write(TimeSpan value) => value switch
    {
        { Ticks: 0 } => "0",
        _ when value.TotalMinutes >= 2 && value.TotalSeconds % 60 == 0 => $"{value.TotalMinutes.ToString(CultureInfo.InvariantCulture)}m",
        _ when value.TotalSeconds >= 1 => $"{value.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s",
        _ => $"{value.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}ms",
    };
}

/// <summary>
/// One duration setting: its option, its config key, its default and the range it must lie in. Every duration of
/// the command line and of freshserve.json is read through one of these, so the rule and the messages are the same.
/// </summary>
public sealed record DurationSetting(string Option, string Key, TimeSpan Default, TimeSpan Min, TimeSpan Max)
{
    public static readonly DurationSetting Debounce =
        new("--debounce", "debounce", TimeSpan.FromMilliseconds(50), TimeSpan.Zero, TimeSpan.FromSeconds(60));

    public static readonly DurationSetting PollInterval =
        new("--poll-interval", "pollInterval", Watching.WatchOptions.DefaultPollInterval, TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(60));

    public static readonly DurationSetting StopTimeout =
        new("--stop-timeout", "stopTimeout", TimeSpan.FromSeconds(5), TimeSpan.Zero, TimeSpan.FromMinutes(10));

    public static readonly DurationSetting PortTimeout =
        new("--port-timeout", "portTimeout", TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10));

    public static readonly DurationSetting ReadyTimeout =
        new("--ready-timeout", "readyTimeout", TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1));

    public static IReadOnlyList<DurationSetting> All { get; } = [Debounce, PollInterval, StopTimeout, PortTimeout, ReadyTimeout];

    /// <summary>The command line's value: the default when not given; a one-line error naming the option when wrong.</summary>
    public TimeSpan Parse(string? text) =>
        text is null ? Default
        : Check(text, quote: string.Empty, out var value) is { } problem ? throw new UsageException($"{Option}: {problem}")
        : value;

    /// <summary>
    /// What is wrong with <paramref name="text"/> as this setting, in words, or null when it is right.
    /// <paramref name="quote"/> goes around a suggested value: <c>"</c> in JSON, where a duration is a string.
    /// </summary>
    public string? Check(string text, string quote, out TimeSpan value)
    {
        if (!Duration.TryParse(text, out value, out var bareNumber))
        {
            return bareNumber
                ? $"{text.Trim()} has no unit; {Suggest(text.Trim(), quote)}"
                : $"'{text}' is not a duration; write it like {quote}500ms{quote}, {quote}5s{quote} or {quote}2m{quote}";
        }

        return value < Min ? $"{text.Trim()} is too short; the least is {Duration.Write(Min)}"
            : value > Max ? $"{text.Trim()} is too long; the most is {Duration.Write(Max)}"
            : null;
    }

    /// <summary>
    /// "did you mean 5s?": of the units that put the number inside the range, the one that lands nearest the default
    /// (on a log scale): 5 is 5s for a stop timeout of 5s by default, 50 is 50ms for a debounce of 50ms.
    /// </summary>
    private string Suggest(string number, string quote)
    {
        var amount = double.Parse(number, CultureInfo.InvariantCulture);
        var best = new[] { ("ms", 1.0), ("s", 1000.0) }
            .Where(u => amount * u.Item2 >= Min.TotalMilliseconds && amount * u.Item2 <= Max.TotalMilliseconds)
            .OrderBy(u => Math.Abs(Math.Log10(amount * u.Item2 / Default.TotalMilliseconds)))
            .Select(u => u.Item1)
            .FirstOrDefault();
        return best is null
            ? $"write it with one, like {quote}{Duration.Write(Default)}{quote} (ms, s or m)"
            : $"did you mean {quote}{number}{best}{quote}?";
    }
}
