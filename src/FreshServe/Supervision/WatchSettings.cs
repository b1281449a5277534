using FreshServe.Processes;
using FreshServe.Proxy;

namespace FreshServe.Supervision;

/// <summary>Everything the restart loop needs, validated and resolved (full paths, parsed durations).</summary>
public sealed record WatchSettings
{
    public required string Command { get; init; }
    public required IReadOnlyList<string> CommandArguments { get; init; }
    public required string WorkingDirectory { get; init; }
    public required IReadOnlyList<string> WatchRoots { get; init; }
    public int? Port { get; init; }

    /// <summary>Where <see cref="Port"/> came from, for messages: "'--port 8001' in the command", "the uvicorn preset's default".</summary>
    public string? PortSource { get; init; }
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
    public TimeSpan Debounce { get; init; } = TimeSpan.FromMilliseconds(50);
    public StopPolicy Stop { get; init; } = new(StopSignal.Term, TimeSpan.FromSeconds(5));
    public TimeSpan PortTimeout { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(60);
    public bool DetachStdin { get; init; }
    public Watching.WatchOptions Watching { get; init; } = new();


    /// <summary>When set, readiness means this URL answers 2xx/3xx instead of the port accepting connections.</summary>
    public Uri? ReadyUrl { get; init; }

    /// <summary>Restart a worker that exits by itself, with a growing pause (see <see cref="CrashBackoff"/>).</summary>
    public bool RestartOnCrash { get; init; }

    /// <summary>
    /// Wait for the whole old tree to exit before starting the next generation (the default on Windows, where a running
    /// program locks its own files). Otherwise the next one starts once the ports the old tree listened on are free,
    /// and the rest of the old tree's stop goes on in the background.
    /// </summary>
    public bool StopBeforeStart { get; init; } = OperatingSystem.IsWindows();

    /// <summary>Environment defaults of the preset; the user's environment and --env win.</summary>
    public IReadOnlyDictionary<string, string> PresetEnvironment { get; init; } = new Dictionary<string, string>();


    /// <summary>Set in proxy mode: freshserve listens, and each generation gets its own internal port.</summary>
    public ProxySettings? Proxy { get; init; }
}
