using FreshServe.Processes;

namespace FreshServe.Presets;

/// <summary>
/// What freshserve knows about a common dev server: the port it listens on when none is given, the files worth a
/// restart when it reloads its own sources, environment defaults, and how to find its port and its own reloader in its
/// arguments.
/// </summary>
public sealed record Preset
{
    public required string Name { get; init; }

    /// <summary>The server's own default port, used when neither --port nor the command names one.</summary>
    public int? DefaultPort { get; init; }

    /// <summary>
    /// Empty for most servers: every file that is not ignored restarts them, since any file may be read at start-up
    /// (a template, an embedded folder, a config). A server that reloads its own sources (vite, next dev, rails)
    /// restarts only on these globs: its config and dependencies.
    /// </summary>
    public IReadOnlyList<string> WatchOnly { get; init; } = [];

    /// <summary>True when the server takes the next free port if its default is taken (vite, next dev) instead of failing.</summary>
    public bool MovesWhenPortTaken { get; init; }

    /// <summary>False when the server's -p is not its port (go run's -p is build parallelism).</summary>
    public bool ShortPIsPort { get; init; } = true;

    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// The signal that stops this server cleanly, unless --stop-signal or stopSignal says otherwise (each checked
    /// against the real server; see the README's presets table).
    /// </summary>
    public StopSignal StopSignal { get; init; } = StopSignal.Term;

    /// <summary>Finds the port in the server's own arguments and environment, in ways the generic detector does not know.</summary>
    public Func<IReadOnlyList<string>, IReadOnlyDictionary<string, string>, Cli.PortDetector.Detection?> FindPort { get; init; } = static (_, _) => null;

    /// <summary>Returns a warning (what is wrong and how to fix it) when the command runs its own reloader.</summary>
    public Func<IReadOnlyList<string>, IReadOnlyDictionary<string, string>, string?> FindOwnReloader { get; init; } = static (_, _) => null;
}

/// <summary>A preset recognized in a command, with the server's own arguments (after <c>python -m x</c>, <c>npx</c>...).</summary>
public sealed record PresetMatch(Preset Preset, IReadOnlyList<string> ServerArguments)
{
    /// <summary>Where the server's arguments were written: the command, or a package.json script it runs.</summary>
    public string Origin { get; init; } = "the command";

    /// <summary>The port from the server's own arguments (the generic forms, then the preset's), else its default; with where it came from.</summary>
    public Cli.PortDetector.Detection? Port(IReadOnlyDictionary<string, string> env) =>
        Cli.PortDetector.Detect(ServerArguments, env, shortP: Preset.ShortPIsPort, origin: Origin)
        ?? Preset.FindPort(ServerArguments, env)
        ?? (Preset.DefaultPort is { } port ? new(port, $"the {Preset.Name} preset's default") { MayMove = Preset.MovesWhenPortTaken } : null);

    public string? ReloaderWarning(IReadOnlyDictionary<string, string> env) => Preset.FindOwnReloader(ServerArguments, env);
}
