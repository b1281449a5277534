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

    /// <summary>A service's folder, where its command runs, relative to the config file (services only).</summary>
    public string? Cwd { get; init; }

    /// <summary>The services this one starts after, once they are ready (services only).</summary>
    public IReadOnlyList<string>? DependsOn { get; init; }

    /// <summary>The services, in the order the file lists them; null when the file has no <c>services</c> key.</summary>
    public IReadOnlyList<ServiceValues>? Services { get; init; }

    /// <summary>
    /// Where each key set here was written. A service's entries are named <c>services.NAME.KEY</c>, and the entries of
    /// <c>dependsOn</c> are also kept one by one, as <c>dependsOn[0]</c>, so that an error can point at the right word.
    /// </summary>
    public IReadOnlyDictionary<string, ConfigPlace> Places { get; init; } = new Dictionary<string, ConfigPlace>(StringComparer.Ordinal);

    /// <summary>What the user wrote for <paramref name="key"/>, for messages: <c>port</c> or <c>services.api.port</c>.</summary>
    public string NameOf(string key) => Places.TryGetValue(key, out var place) ? place.Name : key;

    /// <summary>
    /// An error about <paramref name="key"/>: the file, line and column where it was written, when known, then the message.
    /// </summary>
    public string ErrorAt(string key, string message) =>
        Places.TryGetValue(key, out var place) ? place.Error(Path, message) : $"{Path}: {message}";

    /// <summary>The file <paramref name="key"/> was written in: this one, or freshserve.json for a Procfile's defaults.</summary>
    public string FileOf(string key) => Places.TryGetValue(key, out var place) && place.File is not null ? place.File : Path;

    /// <summary>
    /// A service's own values over the top level's (<paramref name="defaults"/>): each key the service sets wins, and
    /// <c>env</c> is merged variable by variable. The result has no <c>services</c>.
    /// </summary>
    public ConfigValues Over(ConfigValues defaults)
    {
        // Defaults from another file (freshserve.json under a Procfile's services) keep saying where they were written.
        var places = defaults.Places.ToDictionary(p => p.Key, p => defaults.Path == Path ? p.Value : p.Value with { File = p.Value.File ?? defaults.Path },
            StringComparer.Ordinal);
        foreach (var (key, place) in Places)
        {
            places[key] = place;
        }

        Dictionary<string, string>? env = null;
        if (defaults.Env is not null || Env is not null)
        {
            env = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, value) in (defaults.Env ?? Empty).Concat(Env ?? Empty))
            {
                env[name] = value;
            }
        }

        return new ConfigValues
        {
            Path = Path,
            Command = Command ?? defaults.Command,
            Watch = Watch ?? defaults.Watch,
            Port = Port ?? defaults.Port,
            Debounce = Debounce ?? defaults.Debounce,
            StopSignal = StopSignal ?? defaults.StopSignal,
            StopTimeout = StopTimeout ?? defaults.StopTimeout,
            PortTimeout = PortTimeout ?? defaults.PortTimeout,
            ReadyUrl = ReadyUrl ?? defaults.ReadyUrl,
            ReadyTimeout = ReadyTimeout ?? defaults.ReadyTimeout,
            Env = env,
            Verbose = Verbose ?? defaults.Verbose,
            Quiet = Quiet ?? defaults.Quiet,
            RestartOnCrash = RestartOnCrash ?? defaults.RestartOnCrash,
            StopBeforeStart = StopBeforeStart ?? defaults.StopBeforeStart,
            NoInput = NoInput ?? defaults.NoInput,
            CleanBytecode = CleanBytecode ?? defaults.CleanBytecode,
            Preset = Preset ?? defaults.Preset,
            Include = Include ?? defaults.Include,
            Only = Only ?? defaults.Only,
            Exclude = Exclude ?? defaults.Exclude,
            NoDefaultIgnore = NoDefaultIgnore ?? defaults.NoDefaultIgnore,
            NoGitignore = NoGitignore ?? defaults.NoGitignore,
            Poll = Poll ?? defaults.Poll,
            PollInterval = PollInterval ?? defaults.PollInterval,
            Replace = Replace ?? defaults.Replace,
            Proxy = Proxy ?? defaults.Proxy,
            ProxyHost = ProxyHost ?? defaults.ProxyHost,
            KeepCacheHeaders = KeepCacheHeaders ?? defaults.KeepCacheHeaders,
            NoLiveReload = NoLiveReload ?? defaults.NoLiveReload,
            Cwd = Cwd,
            DependsOn = DependsOn,
            Places = places,
        };
    }

    private static readonly Dictionary<string, string> Empty = new(StringComparer.Ordinal);
}

/// <summary>Where a key (or a service's name) was written in a config file or Procfile.</summary>
/// <param name="Name">How messages name it: <c>port</c>, <c>services.api.port</c>, <c>services.api</c>.</param>
/// <param name="File">The file, when it is not the one the values are read with.</param>
public readonly record struct ConfigPlace(string Name, int Line, int Column, string? File = null)
{
    public string Error(string path, string message) => $"{File ?? path}: line {Line}, column {Column}: {message}";
}

/// <summary>One entry of <c>services</c> (or one Procfile line): its name, where the name was written, and its own keys.</summary>
public sealed record ServiceValues(string Name, ConfigPlace Place, ConfigValues Values)
{
    /// <summary>Letters, digits, '-' and '_' (what foreman and honcho take in a Procfile).</summary>
    public static bool IsValidName(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
