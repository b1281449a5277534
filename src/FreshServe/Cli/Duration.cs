using System.Globalization;

namespace FreshServe.Cli;

/// <summary>Parses durations written as <c>500ms</c>, <c>5s</c>, <c>1.5s</c>, <c>2m</c> or a bare number of milliseconds.</summary>
public static class Duration
{
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var s = text.Trim().ToLowerInvariant();
        (string number, double scale) = s switch
        {
            _ when s.EndsWith("ms", StringComparison.Ordinal) => (s[..^2], 1.0),
            _ when s.EndsWith('s') => (s[..^1], 1000.0),
            _ when s.EndsWith('m') => (s[..^1], 60_000.0),
            _ => (s, 1.0),
        };

        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var amount)
            || amount < 0 || double.IsInfinity(amount) || double.IsNaN(amount) || amount * scale > int.MaxValue)
        {
            return false;
        }

        value = TimeSpan.FromMilliseconds(amount * scale);
        return true;
    }

    public static TimeSpan Parse(string optionName, string text) =>
        TryParse(text, out var value)
            ? value
            : throw new UsageException($"{optionName}: '{text}' is not a duration; write it like 500ms, 5s or 2m");

    public static string Format(TimeSpan value) =>
        value.TotalMilliseconds < 1000
            ? $"{value.TotalMilliseconds:0} ms"
            : $"{value.TotalSeconds.ToString("0.0#", CultureInfo.InvariantCulture)} s";
}
