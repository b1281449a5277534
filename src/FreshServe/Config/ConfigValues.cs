using FreshServe.Processes;

namespace FreshServe.Config;

/// <summary>What a config file sets; null (or empty) means "not set here", so the command line and defaults decide.</summary>
public sealed record ConfigValues
{
    /// <summary>The file the values came from, as a full path.</summary>
    public required string Path { get; init; }

    public IReadOnlyList<string>? Command { get; init; }
    public IReadOnlyList<string>? Watch { get; init; }
    public int? Port { get; init; }
    public TimeSpan? Debounce { get; init; }
    public string? StopSignal { get; init; }
    public TimeSpan? StopTimeout { get; init; }
    public TimeSpan? PortTimeout { get; init; }
    public string? ReadyUrl { get; init; }
    public TimeSpan? ReadyTimeout { get; init; }
    public IReadOnlyDictionary<string, string>? Env { get; init; }
    public bool? Verbose { get; init; }
    public bool? Quiet { get; init; }
    public bool? RestartOnCrash { get; init; }
    public bool? StopBeforeStart { get; init; }
    public bool? NoInput { get; init; }
    public bool? CleanBytecode { get; init; }
    public string? Preset { get; init; }
    public IReadOnlyList<string>? Include { get; init; }
    public IReadOnlyList<string>? Only { get; init; }
    public IReadOnlyList<string>? Exclude { get; init; }
    public bool? NoDefaultIgnore { get; init; }
    public bool? NoGitignore { get; init; }
    public bool? Poll { get; init; }
    public TimeSpan? PollInterval { get; init; }
    public bool? Replace { get; init; }
    public int? Proxy { get; init; }
    public string? ProxyHost { get; init; }
    public bool? KeepCacheHeaders { get; init; }
    public bool? NoLiveReload { get; init; }
}
