using FreshServe.Cli;

namespace FreshServe.Supervision;

/// <summary>Why and how a generation replaced the previous one: what the one summary line of a restart reports.</summary>
public sealed class RestartCause(string reason)
{
    public string Reason { get; set; } = reason;
    public TimeSpan? StopTook { get; set; }
    public int? Port { get; set; }
    public TimeSpan? PortFreeTook { get; set; }

    /// <summary>The old generation still stopping when this one started (its ports were free); null when it was gone.</summary>
    public int? Overlapped { get; set; }

    /// <summary>
    /// "page.txt changed; stopped in 12 ms, port 8000 free after 0 ms, started pid 4242", or when the old generation
    /// was still stopping: "page.txt changed; port 8000 free after 31 ms, started pid 4242 (generation 1 stopped in 240 ms)".
    /// </summary>
    public string Describe(int pid)
    {
        var parts = new List<string>();
        if (Overlapped is { } old)
        {
            if (Port is { } clear && PortFreeTook is { } after)
            {
                parts.Add($"port {clear} free after {Duration.Format(after)}");
            }

            var stopped = StopTook is { } took ? $"stopped in {Duration.Format(took)}" : "still stopping";
            return $"{Reason}; {string.Join(", ", [.. parts, $"started pid {pid}"])} (generation {old} {stopped})";
        }

        if (StopTook is { } stop)
        {
            parts.Add($"stopped in {Duration.Format(stop)}");
        }

        if (Port is { } port && PortFreeTook is { } free)
        {
            parts.Add($"port {port} free after {Duration.Format(free)}");
        }

        parts.Add($"started pid {pid}");
        return $"{Reason}; {string.Join(", ", parts)}";
    }
}
