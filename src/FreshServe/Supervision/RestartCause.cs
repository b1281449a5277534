using FreshServe.Common;

namespace FreshServe.Supervision;

/// <summary>Why and how a generation replaced the previous one: what the one summary line of a restart reports.</summary>
public sealed class RestartCause(string reason)
{
    public string Reason { get; set; } = reason;
    public TimeSpan? StopTook { get; set; }
    public int? Port { get; set; }
    public TimeSpan? PortFreeTook { get; set; }

    /// <summary>FreshServe's own steps: reading the old tree and sending the signal, spawning the next.</summary>
    public TimeSpan Signal { get; set; }

    /// <summary>Reading the old tree's ports: beside the stop, not on the restart's path.</summary>
    public TimeSpan? PortsRead { get; set; }

    public TimeSpan Spawn { get; set; }

    /// <summary>From the way being clear (ports free or tree gone, burst quiet) to the next worker spawned.</summary>
    public TimeSpan Start { get; set; }

    /// <summary>When the way was clear (a <see cref="TimeProvider"/> timestamp).</summary>
    public long WayClearAt { get; set; }

    /// <summary>"tree signalled in 1.1 ms, started 2.4 ms after the way was clear (spawn 1.9 ms); ports read in 3.0 ms beside the stop".</summary>
    public string DescribeOverhead() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"tree signalled in {Signal.TotalMilliseconds:0.0} ms, started {Start.TotalMilliseconds:0.0} ms after the way was clear (spawn {Spawn.TotalMilliseconds:0.0} ms)")
        + (PortsRead is { } read ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"; ports read in {read.TotalMilliseconds:0.0} ms beside the stop") : string.Empty);

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
