namespace FreshServe.Services;

/// <summary>
/// How a service is named on screen: its name padded to the longest one, in a color of its own (by its place in the
/// project, so it stays the same from run to run). One home for both the output prefixes and freshserve's own lines.
/// </summary>
public sealed class ServiceLabels
{
    /// <summary>Logger categories of a service's own freshserve lines: "freshserve/api".</summary>
    public const string CategoryPrefix = "freshserve/";

    // Cyan, yellow, magenta, green, blue, red, then the bright ones: distinct on dark and light terminals alike.
    private static readonly string[] Colors = ["\e[36m", "\e[33m", "\e[35m", "\e[32m", "\e[34m", "\e[31m", "\e[96m", "\e[93m", "\e[95m"];
    private readonly Dictionary<string, int> _index;
    private readonly int _width;

    public ServiceLabels(IReadOnlyList<string> names)
    {
        _index = names.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
        _width = names.Count == 0 ? 0 : names.Max(n => n.Length);
    }

    public static string Category(string service) => CategoryPrefix + service;

    /// <summary>The service a logger category is about, or null for freshserve's project-wide lines.</summary>
    public static string? ServiceOf(string category) =>
        category.StartsWith(CategoryPrefix, StringComparison.Ordinal) ? category[CategoryPrefix.Length..] : null;

    public string Padded(string service) => service.PadRight(_width);

    public string Color(string service) => Colors[(_index.TryGetValue(service, out var i) ? i : 0) % Colors.Length];

    /// <summary>
    /// True when output may be colored: a terminal, NO_COLOR unset (https://no-color.org), not a dumb terminal.
    /// <paramref name="redirected"/> is whether the stream written to is redirected.
    /// </summary>
    public static bool UseColor(bool redirected) =>
        !redirected
        && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
        && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("FRESHSERVE_NO_COLOR"))
        && Environment.GetEnvironmentVariable("TERM") != "dumb";
}
