using FreshServe.Common;
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

    /// <summary>Words before <c>--</c> that are not options: the services to run (<c>freshserve watch api web</c>).</summary>
    public IReadOnlyList<string> Services { get; init; } = [];

    /// <summary>--procfile: run this Procfile's lines as services.</summary>
    public string? Procfile { get; init; }

    /// <summary>
    /// The error for a word before <c>--</c> that is not a service: the command line's own ("the server command goes
    /// after --, like: ..."), which can quote what was typed.
    /// </summary>
    public Func<string, Exception> UnexpectedArgument { get; init; } =
        word => new UsageException($"Unrecognized argument '{word}': the server command goes after --, like: freshserve watch -- {word}");

    /// <summary>Resolves these arguments in <paramref name="currentDirectory"/> (see <see cref="WatchResolver"/>).</summary>
    public WatchSettings ToSettings(string currentDirectory, bool stdinIsTerminal = false) =>
        WatchResolver.Resolve(this, currentDirectory, stdinIsTerminal).Settings;
}
