using FreshServe.Processes;
using FreshServe.Supervision;

namespace FreshServe.Cli;

/// <summary>What the command line gave for <c>freshserve watch</c>, unresolved: null, false or empty means "not given".</summary>
public sealed record WatchArguments
{
    public IReadOnlyList<string> Watch { get; init; } = [];
    public int? Port { get; init; }
    public string? Debounce { get; init; }
    public string? StopSignal { get; init; }
    public string? StopTimeout { get; init; }
    public string? PortTimeout { get; init; }
    public bool Replace { get; init; }
    public int? Proxy { get; init; }
    public string? ProxyHost { get; init; }
    public bool KeepCacheHeaders { get; init; }
    public bool NoLiveReload { get; init; }
    public IReadOnlyList<string> Env { get; init; } = [];
    public string? ReadyUrl { get; init; }
    public string? ReadyTimeout { get; init; }
    public bool RestartOnCrash { get; init; }
    public bool StopBeforeStart { get; init; }
    public bool NoInput { get; init; }
    public string? Config { get; init; }
    public string? Preset { get; init; }
    public bool CleanBytecode { get; init; }
    public bool Verbose { get; init; }
    public bool Quiet { get; init; }
    public IReadOnlyList<string> Include { get; init; } = [];
    public IReadOnlyList<string> Only { get; init; } = [];
    public IReadOnlyList<string> Exclude { get; init; } = [];
    public bool NoDefaultIgnore { get; init; }
    public bool NoGitIgnore { get; init; }
    public bool Poll { get; init; }
    public string? PollInterval { get; init; }

    /// <summary>Everything after <c>--</c>: the server command, verbatim.</summary>
    public IReadOnlyList<string> RemainingArguments { get; init; } = [];

    /// <summary>Resolves these arguments in <paramref name="currentDirectory"/> (see <see cref="WatchResolver"/>).</summary>
    public WatchSettings ToSettings(string currentDirectory, bool stdinIsTerminal = false) =>
        WatchResolver.Resolve(this, currentDirectory, stdinIsTerminal).Settings;
}
