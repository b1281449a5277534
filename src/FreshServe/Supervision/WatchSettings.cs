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
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
    public TimeSpan Debounce { get; init; } = TimeSpan.FromMilliseconds(50);
    public StopPolicy Stop { get; init; } = new(Cli.StopSignal.Term, TimeSpan.FromSeconds(5));
    public TimeSpan PortTimeout { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(60);
    public bool DetachStdin { get; init; }

    /// <summary>Set in proxy mode: freshserve listens, and each generation gets its own internal port.</summary>
    public ProxySettings? Proxy { get; init; }
}
